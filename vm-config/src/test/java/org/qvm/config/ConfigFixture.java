package org.qvm.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A host file and VM files written into a test's directory. */
final class ConfigFixture {
    final Path dir;
    final Path hostFile;

    ConfigFixture(Path dir) {
        this.dir = dir;
        this.hostFile = dir.resolve("qvm.toml");
        host("""
                state-dir = "%s"
                data-dir = "%s"
                [network]
                uplink = "eth0"
                pool = "10.0.0.0/24"
                """.formatted(dir.resolve("run"), dir.resolve("lib")));
        try {
            Files.createDirectories(dir.resolve("vms"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ConfigFixture host(String text) {
        return write(hostFile, text);
    }

    /** A host file of the test's state and data directories, then {@code rest}. */
    ConfigFixture hostWithDirs(String rest) {
        return host("state-dir = \"%s\"\ndata-dir = \"%s\"\n%s".formatted(dir.resolve("run"), dir.resolve("lib"), rest));
    }

    ConfigFixture vm(String name, String text) {
        return write(vmFile(name), text);
    }

    Path vmFile(String name) {
        return dir.resolve("vms").resolve(name + ".toml");
    }

    private ConfigFixture write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Configuration load() {
        return new ConfigLoader().load(hostFile, ConfigLoader.Recording.ALWAYS);
    }
}
