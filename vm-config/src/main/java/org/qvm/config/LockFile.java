package org.qvm.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A lock between qvm processes (fcntl on a file) and between the threads of one (a file lock is
 * held per process, so threads also queue on a lock of their own). The kernel drops the file lock
 * when the process dies, so a crashed command never leaves a VM locked.
 */
public final class LockFile implements AutoCloseable {
    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final ReentrantLock threadLock;
    private final FileChannel channel;

    private LockFile(ReentrantLock threadLock, FileChannel channel) {
        this.threadLock = threadLock;
        this.channel = channel;
    }

    /**
     * Takes the lock on {@code file} (creating it and its directory), waiting while another
     * process or thread holds it. Closing lets go.
     */
    public static LockFile acquire(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        ReentrantLock threadLock = IN_PROCESS.computeIfAbsent(key, path -> new ReentrantLock());
        threadLock.lock();
        try {
            Files.createDirectories(key.getParent());
            FileChannel channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                channel.lock();
                return new LockFile(threadLock, channel);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            threadLock.unlock();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            threadLock.unlock();
        }
    }
}
