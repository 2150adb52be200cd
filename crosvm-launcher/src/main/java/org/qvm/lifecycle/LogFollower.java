package org.qvm.lifecycle;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Copies what is appended to a VM's logs (crosvm's output, the guest's console) to a consumer,
 * line by line, cleaned of control characters and cut at {@value #MAX_LINE} characters: for
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
        final StringBuilder partial = new StringBuilder();

        Source(Path file, String prefix) {
            this.file = file;
            this.prefix = prefix;
        }
    }

    LogFollower(RuntimeDir dir, Consumer<String> lines) {
        this.sources = List.of(new Source(dir.crosvmLog(), "crosvm: "), new Source(dir.consoleLog(), "console: "));
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
        for (Source source : sources) {
            if (!source.partial.isEmpty()) {
                lines.accept(source.prefix + source.partial);
                source.partial.setLength(0);
            }
        }
    }

    private synchronized void readAll() {
        for (Source source : sources) {
            try (RandomAccessFile in = new RandomAccessFile(source.file.toFile(), "r")) {
                long length = in.length();
                if (length <= source.position) {
                    continue;
                }
                in.seek(source.position);
                byte[] bytes = new byte[(int) Math.min(length - source.position, 1 << 20)];
                in.readFully(bytes);
                source.position += bytes.length;
                for (char c : new String(bytes, StandardCharsets.UTF_8).toCharArray()) {
                    if (c == '\n') {
                        lines.accept(source.prefix + LogTail.printable(source.partial.toString()));
                        source.partial.setLength(0);
                    } else if (source.partial.length() < MAX_LINE) {
                        source.partial.append(c);
                    }
                }
            } catch (IOException e) {
                // Not there (yet): nothing to copy.
            }
        }
    }
}
