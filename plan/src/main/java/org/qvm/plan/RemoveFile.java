package org.qvm.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * {@code rm -f FILE}, in this process: the file (or a link itself, never what it points to) is
 * removed if it is there; a directory is an error, as for rm without -r.
 */
public record RemoveFile(Path file) implements LocalAction {
    public RemoveFile {
        if (!file.isAbsolute()) {
            throw new IllegalArgumentException("not an absolute path: " + file);
        }
    }

    @Override
    public Command equivalent() {
        return Command.of("rm", "-f", file.toString());
    }

    @Override
    public void perform() throws IOException {
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("cannot remove " + file + ": Is a directory");
        }
        Files.deleteIfExists(file);
    }
}
