package org.qvm.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An advisory lock between qvm processes (fcntl on a file). The kernel drops it when the process
 * dies, so a crashed command never leaves a VM locked.
 */
public final class LockFile {
    private LockFile() {
    }

    /**
     * Takes the lock on {@code file} (creating it and its directory), waiting while another
     * process holds it. Closing the returned channel lets go.
     */
    public static FileChannel acquire(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            channel.lock();
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }
}
