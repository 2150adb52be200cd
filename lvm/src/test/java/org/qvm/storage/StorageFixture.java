package org.qvm.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;

/** A host file with one VM, "dev", whose private size the test sets, and a real root image. */
final class StorageFixture {
    final Path dir;

    StorageFixture(Path dir, String storage) {
        this.dir = dir;
        try {
            Files.createDirectories(dir.resolve("vms"));
            Files.writeString(dir.resolve("rootfs.img"), "a stand-in root image");
            Files.writeString(dir.resolve("qvm.toml"), """
                    state-dir = "run"
                    data-dir = "lib"
                    [defaults]
                    rootfs = "rootfs.img"
                    [storage]
                    %s
                    """.formatted(storage));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** dev with a private volume of {@code size}. */
    Vm dev(String size) {
        try {
            Files.writeString(dir.resolve("vms/dev.toml"), "[private]\nsize = \"" + size + "\"\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return load().require("dev");
    }

    Configuration load() {
        return new ConfigLoader().load(dir.resolve("qvm.toml"), ConfigLoader.Recording.ALWAYS);
    }
}
