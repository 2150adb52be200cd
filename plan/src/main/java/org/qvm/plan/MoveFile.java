package org.qvm.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@code mv -T FROM TO} within one file system, in this process: one rename, which replaces what
 * is at {@code to} (a file, never a directory) at once, so that no one ever sees it half there.
 */
public record MoveFile(Path from, Path to) implements LocalAction {
    public MoveFile {
        if (!from.isAbsolute() || !to.isAbsolute()) {
            throw new IllegalArgumentException("not absolute paths: " + from + " " + to);
        }
    }

    @Override
    public Command equivalent() {
        return Command.of("mv", "-T", from.toString(), to.toString());
    }

    @Override
    public void perform() throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }
}
