package org.qvm.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A lock between qvm processes (fcntl on a file) and between the threads of one (a file lock is
 * held per process, so threads also queue on a lock of their own). The kernel drops the file lock
 * when the process dies, so a crashed command never leaves a VM locked. A lock belongs to the
 * process, not to a thread: another thread may close it (qvmd removes a disposable from the thread
 * that saw its viewer exit).
 *
 * <p>Lock files are private: mode 0600, owned by whoever runs qvm (root, on a real host), in a
 * directory nobody else can write. Another user of the host can neither open one (not even to take
 * a shared lock that would block root's tools) nor put a file of their own in its place.
 */
public final class LockFile implements AutoCloseable {
    private static final Map<Path, Semaphore> IN_PROCESS = new ConcurrentHashMap<>();
    private static final Duration RETRY = Duration.ofMillis(20);
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");

    private final Semaphore threadLock;
    private final FileChannel channel;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LockFile(Semaphore threadLock, FileChannel channel) {
        this.threadLock = threadLock;
        this.channel = channel;
    }

    /**
     * Takes the lock on {@code file} (creating it and its directory), waiting while another
     * process or thread holds it. Closing lets go.
     */
    public static LockFile acquire(Path file) throws IOException {
        return acquire(file, null).orElseThrow();
    }

    /**
     * Takes the lock on {@code file}, waiting at most {@code limit} ({@code null}: as long as it
     * takes); empty if someone else still holds it then.
     */
    public static Optional<LockFile> acquire(Path file, Duration limit) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        long deadline = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        Semaphore threadLock = IN_PROCESS.computeIfAbsent(key, path -> new Semaphore(1));
        try {
            if (limit == null) {
                threadLock.acquire();
            } else if (!threadLock.tryAcquire(limit.toNanos(), TimeUnit.NANOSECONDS)) {
                return Optional.empty();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + key);
        }
        try {
            FileChannel channel = open(key);
            try {
                Optional<FileLock> lock = limit == null ? Optional.of(channel.lock()) : tryLockUntil(channel, deadline);
                if (lock.isPresent()) {
                    return Optional.of(new LockFile(threadLock, channel));
                }
                channel.close();
                threadLock.release();
                return Optional.empty();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            threadLock.release();
            throw e;
        }
    }

    private static Optional<FileLock> tryLockUntil(FileChannel channel, long deadline) throws IOException {
        while (true) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return Optional.of(lock);
            }
            if (System.nanoTime() - deadline >= 0) {
                return Optional.empty();
            }
            LockSupport.parkNanos(RETRY.toNanos());
        }
    }

    /** Opens (creating) the lock file: 0600, ours, not a link, in a directory only we can write. */
    private static FileChannel open(Path file) throws IOException {
        Path directory = file.getParent();
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        Set<PosixFilePermission> directoryMode = Files.getPosixFilePermissions(directory);
        if (directoryMode.contains(PosixFilePermission.GROUP_WRITE) || directoryMode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(directory + " is writable by other users (" + PosixFilePermissions.toString(directoryMode)
                    + "), so they could replace the lock " + file.getFileName() + ": make it writable by its owner only");
        }
        FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PRIVATE));
        try {
            int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int us = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (owner != us) {
                throw new IOException("the lock " + file + " belongs to uid " + owner + ", not to us (uid " + us
                        + "): remove it");
            }
            if (!Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS).equals(PRIVATE)) {
                // Made by an older qvm (0644): no one else may open it any more.
                Files.setPosixFilePermissions(file, PRIVATE);
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            channel.close();
        } finally {
            threadLock.release();
        }
    }
}
