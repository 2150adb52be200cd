package org.qvm.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Finding programs, and making a PATH that holds only some of them (to test a missing tool). */
public final class Programs {
    private Programs() {
    }

    /** The program's real path, from PATH or the sbin directories. */
    public static Optional<Path> which(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            Path candidate = dir.isEmpty() ? null : Path.of(dir, tool);
            if (candidate != null && Files.isExecutable(candidate)) {
                try {
                    return Optional.of(candidate.toRealPath());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return Optional.empty();
    }

    /** A directory in {@code parent} with links to just these programs, to use as PATH. */
    public static Path onlyThese(Path parent, List<String> tools) {
        try {
            Path dir = Files.createDirectories(parent.resolve("path-with-" + String.join("-", tools)));
            for (String tool : tools) {
                Files.createSymbolicLink(dir.resolve(tool), which(tool).orElseThrow(() -> new IllegalStateException(tool)));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
