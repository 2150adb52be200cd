package org.qvm.lifecycle;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.qvm.guest.UntrustedText;

/**
 * Copies what is appended to a VM's logs (the hypervisor's output, the guest's console) to a consumer,
 * line by line, filtered as guest text ({@link UntrustedText}) and cut at {@value #MAX_LINE} characters: for
 * {@code qvm-start --foreground}, whose standard output systemd puts in the journal.
 */
final class LogFollower {
    static final int MAX_LINE = 4096;
    private static final Duration POLL = Duration.ofMillis(200);

    private final List<Source> sources;
    private final Consumer<String> lines;
    private volatile boolean stopping;
    private Thread thread;

    private static final class Source {
        final Path file;
        final String prefix;
        long position;
        /** The bytes of the line being read (a UTF-8 character may span two reads). */
        final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();
        /** Kept open once found, so that what was written is still read after the file is removed. */
        java.nio.channels.FileChannel channel;
        /** Which file the channel reads (the name may be given to a new one when the console log is rotated). */
        Object key;

        Source(Path file, String prefix) {
            this.file = file;
            this.prefix = prefix;
        }
    }

    LogFollower(RuntimeDir dir, org.qvm.hypervisor.Hypervisor hypervisor, Consumer<String> lines) {
        this.sources = List.of(new Source(dir.hypervisorLog(hypervisor), hypervisor.name() + ": "),
                new Source(dir.consoleLog(), "console: "));
        this.lines = lines;
    }

    void start() {
        thread = new Thread(() -> {
            while (!stopping) {
                readAll();
                LockSupport.parkNanos(POLL.toNanos());
            }
        }, "qvm-log-follower");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops following after copying what is there now. */
    void finish() {
        stopping = true;
        if (thread != null) {
            try {
                thread.join(POLL.toMillis() * 5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        readAll();
        close();
        for (Source source : sources) {
            if (source.partial.size() > 0) {
                emit(source);
            }
        }
    }

    synchronized void readAll() {
        for (Source source : sources) {
            try {
                if (source.channel == null) {
                    open(source);
                }
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(1 << 16);
                while (true) {
                    int n;
                    while ((n = source.channel.read(buffer, source.position)) > 0) {
                        source.position += n;
                        append(source, buffer.array(), n);
                        buffer.clear();
                    }
                    // Read to its end: if the name now holds another file (the log was rotated), go on there.
                    Object now = fileKey(source.file);
                    if (now == null || now.equals(source.key)) {
                        break;
                    }
                    source.channel.close();
                    open(source);
                }
            } catch (IOException e) {
                // Not there (yet): nothing to copy.
            }
        }
    }

    /** Opens the file now at the source's name, and remembers which file that is. */
    private static void open(Source source) throws IOException {
        while (true) {
            Object before = fileKey(source.file);
            java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(source.file,
                    java.nio.file.StandardOpenOption.READ);
            if (before != null && before.equals(fileKey(source.file))) {
                source.channel = channel;
                source.key = before;
                source.position = 0;
                return;
            }
            channel.close();
        }
    }

    /** Which file the name holds now (device and inode), or null if none. */
    private static Object fileKey(Path file) {
        try {
            return java.nio.file.Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private void append(Source source, byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == '\n') {
                emit(source);
            } else if (source.partial.size() < MAX_LINE * 4) {
                source.partial.write(bytes[i]);
            }
        }
    }

    private void emit(Source source) {
        String line = UntrustedText.consoleLine(source.partial.toByteArray(), source.partial.size());
        lines.accept(source.prefix + (line.length() > MAX_LINE ? line.substring(0, MAX_LINE) : line));
        source.partial.reset();
    }

    private synchronized void close() {
        for (Source source : sources) {
            if (source.channel != null) {
                try {
                    source.channel.close();
                } catch (IOException e) {
                    // Only read from: nothing to lose.
                }
                source.channel = null;
            }
        }
    }
}
