package org.qvm.lifecycle;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.qvm.guest.transport.LibC;
import org.qvm.guest.transport.Poll;
import org.qvm.plan.JavaCommand;

/**
 * Keeps a VM's serial console without letting the guest fill the host: crosvm writes the console
 * into a FIFO in the runtime directory, and this keeper copies it to {@code console.log}; when that
 * file reaches {@value #ROTATE_AT} bytes it becomes {@code console.log.1} (replacing the one before)
 * and a new one begins. So the last 1 to 2 MiB of the console are kept, whatever the guest writes.
 *
 * <p>It runs for as long as crosvm holds the FIFO open: it ends when crosvm closes it (crosvm
 * exited), or, if crosvm never opened it (a failed start), once the FIFO is gone with the runtime
 * directory. For a VM started in the background it is a small process of its own (started by
 * qvm-start beside crosvm); under {@code qvm-start --foreground} a thread of that process.
 */
public final class ConsoleLog implements Runnable {
    /** A console.log this large is rotated: at most twice this much is kept. */
    static final long ROTATE_AT = 1L << 20;
    private static final int CHUNK = 64 * 1024;
    /** How often, before crosvm opens the FIFO, the keeper checks that the FIFO is still there. */
    private static final int CHECK_MILLIS = 500;

    private final Path fifo;
    private final Path log;

    public ConsoleLog(Path fifo, Path log) {
        this.fifo = fifo;
        this.log = log;
    }

    /** The command that keeps a VM's console in a process of its own. */
    public static List<String> commandLine(RuntimeDir dir) {
        return JavaCommand.argv(JavaCommand.SMALL_DAEMON, ConsoleLog.class.getName(),
                List.of(dir.consolePipe().toString(), dir.consoleLog().toString()));
    }

    /** The keeper of a VM started in the background: {@code ConsoleLog FIFO LOG}. */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: ConsoleLog FIFO LOG");
            System.exit(2);
        }
        try {
            new ConsoleLog(Path.of(args[0]), Path.of(args[1])).keep();
        } catch (IOException e) {
            System.err.println("qvm console log: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Keeps the console in a thread of this process (returned, started). */
    public Thread startThread() {
        Thread thread = new Thread(this, "qvm-console-log");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Override
    public void run() {
        try {
            keep();
        } catch (IOException e) {
            System.err.println("qvm console log: " + e.getMessage());
        }
    }

    /** Copies the FIFO to the log until the writer is gone (or never came and the FIFO went). */
    public void keep() throws IOException {
        int fd;
        try {
            fd = LibC.INSTANCE.openat(LibC.AT_FDCWD, LibC.path(fifo.toString()),
                    LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC | LibC.O_NOFOLLOW, 0);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + fifo + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
        }
        Memory buffer = new Memory(CHUNK);
        OutputStream out = open();
        long written = Files.size(log);
        try {
            while (true) {
                short ready;
                try {
                    ready = Poll.poll(fd, LibC.POLLIN, CHECK_MILLIS);
                } catch (LastErrorException e) {
                    continue;
                }
                if (ready == 0) {
                    // No writer has come yet (poll reports the end only after one has been and gone).
                    if (!Files.exists(fifo)) {
                        return;
                    }
                    continue;
                }
                int n;
                try {
                    n = LibC.INSTANCE.read(fd, buffer, CHUNK);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == LibC.EAGAIN || e.getErrorCode() == LibC.EINTR) {
                        continue;
                    }
                    throw new IOException("reading " + fifo + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
                }
                if (n == 0) {
                    return;
                }
                if (written + n > ROTATE_AT && written > 0) {
                    out.close();
                    Files.move(log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
                    out = open();
                    written = 0;
                }
                out.write(buffer.getByteArray(0, n));
                out.flush();
                written += n;
            }
        } finally {
            out.close();
            LibC.INSTANCE.close(fd);
        }
    }

    private OutputStream open() throws IOException {
        return Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
