package org.qvm.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The repository's {@code examples/} as test fixtures. Tests use copies whose state and data
 * directories point into the test's own temporary directory, never at /run or /var/lib.
 */
public final class Examples {
    public static final List<String> VM_NAMES = List.of("banking", "com", "dev", "personal", "shopping", "untrusted");

    private Examples() {
    }

    /** The checkout's top directory (the one holding {@code examples/qvm.toml}). */
    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("examples/qvm.toml"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("examples/qvm.toml not found above " + Path.of("").toAbsolutePath());
    }

    /**
     * Copies examples/qvm.toml and examples/vms/ into {@code target} with state-dir and data-dir
     * moved to {@code target/run} and {@code target/lib}; returns the copied qvm.toml.
     */
    public static Path copyTo(Path target) {
        Path source = repositoryRoot().resolve("examples");
        try {
            Files.createDirectories(target.resolve("vms"));
            try (Stream<Path> files = Files.list(source.resolve("vms"))) {
                for (Path file : files.toList()) {
                    Files.copy(file, target.resolve("vms").resolve(file.getFileName()));
                }
            }
            String host = Files.readString(source.resolve("qvm.toml"))
                    .replace("state-dir = \"/run/qvm\"", "state-dir = \"" + target.resolve("run") + "\"")
                    .replace("data-dir = \"/var/lib/qvm\"", "data-dir = \"" + target.resolve("lib") + "\"");
            Path config = target.resolve("qvm.toml");
            Files.writeString(config, host);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
