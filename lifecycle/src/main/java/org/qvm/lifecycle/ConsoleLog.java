package org.qvm.lifecycle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qvm.plan.JavaCommand;

/**
 * Keeps a VM's serial console without letting the guest fill the host: crosvm writes the console
 * into a FIFO in the runtime directory, and this keeper copies it to {@code console.log}; when that
 * file reaches {@value #ROTATE_AT} bytes it becomes {@code console.log.1} (replacing the one before)
 * and a new one begins. So the last 1 to 2 MiB of the console are kept, whatever the guest writes.
 *
 * <p>It runs for as long as crosvm holds the FIFO open: opening it waits for crosvm, reading ends
 * when crosvm closes it. A keeper whose crosvm never came is ended by the clean-up (SIGTERM). For a
 * VM started in the background it is a small process of its own: bin/qvm-console-keeper, which does
 * the same in Python, where Python runs; else this class, plain Java (no JNA); under
 * {@code qvm-start --foreground} a thread of that process.
 */
public final class ConsoleLog implements Runnable {
    /** A console.log this large is rotated: at most twice this much is kept. */
    static final long ROTATE_AT = 1L << 20;
    private static final int CHUNK = 64 * 1024;

    private final Path fifo;
    private final Path log;

    public ConsoleLog(Path fifo, Path log) {
        this.fifo = fifo;
        this.log = log;
    }

    /** The keeper beside the tools that does what this class does, as a small Python process. */
    private static final String PYTHON_KEEPER = "qvm-console-keeper";

    /**
     * The command that keeps a VM's console in a process of its own: {@code qvm-console-keeper}
     * (beside the tools, in {@code toolsDirectory}) under the Python that {@code QVM_PYTHON} names
     * (default /usr/bin/python3; empty: none), as bin/qvm-java chooses its client, where both are
     * there: it starts with a tenth of a JVM's CPU and a sixth of its memory, once for every VM.
     * Else this class in a JVM of its own. Either ends in {@link #identifyingArguments}.
     */
    public static List<String> commandLine(RuntimeDir dir, Map<String, String> environment, Optional<Path> toolsDirectory) {
        List<String> arguments = identifyingArguments(dir);
        String python = environment.getOrDefault("QVM_PYTHON", "/usr/bin/python3");
        Optional<Path> keeper = toolsDirectory.map(tools -> tools.resolve(PYTHON_KEEPER)).filter(Files::isRegularFile);
        if (keeper.isPresent() && !python.isEmpty() && Files.isExecutable(Path.of(python))) {
            List<String> argv = new java.util.ArrayList<>(List.of(python, "-I", "-S", keeper.get().toString()));
            argv.addAll(arguments);
            return argv;
        }
        return JavaCommand.argv(JavaCommand.SMALL_DAEMON, ConsoleLog.class.getName(), arguments);
    }

    /** The arguments that end either keeper's command line, and find it again: {@code FIFO LOG}. */
    static List<String> identifyingArguments(RuntimeDir dir) {
        return List.of(dir.consolePipe().toString(), dir.consoleLog().toString());
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

    /**
     * Copies the FIFO to the log until the writer is gone. Opening the FIFO waits for crosvm to
     * open it for writing; reading ends when crosvm closes it.
     */
    public void keep() throws IOException {
        byte[] buffer = new byte[CHUNK];
        try (InputStream in = Files.newInputStream(fifo)) {
            OutputStream out = open();
            try {
                long written = Files.size(log);
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (written + n > ROTATE_AT && written > 0) {
                        out.close();
                        Files.move(log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
                        out = open();
                        written = 0;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                    written += n;
                }
            } finally {
                out.close();
            }
        }
    }

    private OutputStream open() throws IOException {
        return Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
