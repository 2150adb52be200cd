package org.qvm.plan;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * {@code truncate --size BYTES FILE}, in this process: the file is made if it is missing (empty,
 * so sparse), then given exactly that length. Unlike truncate it never follows a symbolic link:
 * anything but a regular file at the path is an error, and stays as it was.
 */
public record SetFileSize(Path file, long bytes) implements LocalAction {
    public SetFileSize {
        if (!file.isAbsolute() || bytes < 0) {
            throw new IllegalArgumentException("not an absolute path and a size: " + file + " " + bytes);
        }
    }

    @Override
    public Command equivalent() {
        return Command.of("truncate", "--size", Long.toString(bytes), file.toString());
    }

    @Override
    public void perform() throws IOException {
        try {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("cannot set the size of " + file + ": it is not a regular file", e);
            }
        }
        try (RandomAccessFile open = new RandomAccessFile(file.toFile(), "rw")) {
            open.setLength(bytes);
        }
    }
}
