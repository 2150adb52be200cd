package org.qvm.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.SynchronousQueue;

/**
 * The entry point of every {@code bin/qvm-*} tool: hands the command to the tool server when one
 * runs for this user ({@link ToolServer}), and runs it in this JVM ({@link Main}) otherwise or when
 * the server declines. Either way the command's output, exit status and Ctrl-C are the same.
 *
 * <p>The server's socket is {@code QVM_TOOL_SOCKET}, else {@code /run/qvm-tools/tools.sock} for root and
 * {@code $XDG_RUNTIME_DIR/qvm-tools/tools.sock} for other users. {@code QVM_TOOL_CLIENT=local} never
 * asks a server; {@code QVM_TOOL_CLIENT=require} makes a served tool fail (status 125) when the
 * server cannot be reached or cannot serve this client, instead of running it here (for tests and
 * benchmarks; what runs in its own JVM by design, such as qvm-run --dispvm, still does).
 *
 * <p>Kept to java.base, and small: this class is on the path of every command.
 */
public final class ToolClient {
    /** How long the server may take to take or decline a command before it runs here instead. */
    private static final Duration HANDSHAKE = Duration.ofSeconds(3);

    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;

    private ToolClient(SocketChannel channel) {
        this.channel = channel;
        this.in = ToolWire.input(channel);
        this.out = ToolWire.output(channel);
    }

    public static void main(String[] args) {
        String mode = System.getenv("QVM_TOOL_CLIENT");
        if (args.length > 0 && ToolWire.SERVED.contains(args[0]) && !"local".equals(mode)) {
            boolean required = "require".equals(mode);
            Path socket = socketPath();
            Integer status = null;
            if (socket != null && (required || Files.exists(socket, LinkOption.NOFOLLOW_LINKS))) {
                status = served(socket, args, required);
            } else if (required) {
                status = refused(args[0], "no tool server socket (QVM_TOOL_SOCKET)");
            }
            if (status != null) {
                System.exit(status);
            }
        }
        Main.main(args);
    }

    /** Runs the command in the server: its exit status, or null when it is to run here. */
    static Integer served(Path socket, String[] args, boolean required) {
        ToolClient client;
        try {
            client = new ToolClient(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
        } catch (IOException e) {
            return required ? refused(args[0], "cannot reach the tool server at " + socket + ": " + e.getMessage()) : null;
        }
        try {
            ToolWire.Frame declined = client.handshake(args);
            if (declined != null) {
                client.channel.close();
                boolean byDesign = declined.type() == ToolWire.LOCAL;
                return required && !byDesign ? refused(args[0], "the tool server declined: " + declined.text()) : null;
            }
        } catch (IOException e) {
            closeQuietly(client.channel);
            return required ? refused(args[0], "the tool server did not answer: " + e.getMessage()) : null;
        }
        return client.relay(args[0]);
    }

    private static int refused(String tool, String why) {
        System.err.println(tool + ": error: " + why);
        return 125;
    }

    /** Sends the request; null once the server has taken the command (and been told to go), else its refusal. */
    private ToolWire.Frame handshake(String[] args) throws IOException {
        Thread bound = ToolWire.closeAfter(channel, HANDSHAKE);
        try {
            ToolWire.write(out, ToolWire.REQUEST, request(args).encode());
            ToolWire.Frame answer = ToolWire.read(in, ToolWire.CHUNK);
            if (answer.type() == ToolWire.DECLINE || answer.type() == ToolWire.LOCAL) {
                return answer;
            }
            if (answer.type() != ToolWire.ACCEPT) {
                throw new IOException("an answer of type " + answer.type());
            }
            ToolWire.write(out, ToolWire.GO, new byte[0]);
            return null;
        } finally {
            bound.interrupt();
        }
    }

    private static ToolWire.Request request(String[] args) {
        return new ToolWire.Request(jarIdentity(), networkNamespace(), Path.of("").toAbsolutePath().toString(),
                Terminal.stdoutIsTerminal(), Terminal.stderrIsTerminal(), List.of(args), System.getenv());
    }

    /** Passes the command's output on, its input when it reads, and Ctrl-C, until its exit status comes. */
    private int relay(String tool) {
        OutputStream stdout = new FileOutputStream(FileDescriptor.out);
        OutputStream stderr = new FileOutputStream(FileDescriptor.err);
        SynchronousQueue<Integer> reads = new SynchronousQueue<>();
        // Classes, not lambdas, here: the lambda machinery would cost this JVM's start several ms.
        Thread input = new Thread("tool-stdin") {
            @Override
            public void run() {
                pumpInput(reads);
            }
        };
        input.setDaemon(true);
        boolean inputStarted = false;
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), new sun.misc.SignalHandler() {
            @Override
            public void handle(sun.misc.Signal signal) {
                try {
                    ToolWire.write(out, ToolWire.SIGNAL, new byte[] {2});
                } catch (IOException e) {
                    // The server is gone; the relay below says so.
                }
            }
        });
        try {
            while (true) {
                ToolWire.Frame frame = ToolWire.read(in, ToolWire.CHUNK);
                switch (frame.type()) {
                    case ToolWire.STDOUT -> writeQuietly(stdout, frame.payload());
                    case ToolWire.STDERR -> writeQuietly(stderr, frame.payload());
                    case ToolWire.READ -> {
                        if (!inputStarted) {
                            input.start();
                            inputStarted = true;
                        }
                        reads.put(frame.number());
                    }
                    case ToolWire.EXIT -> {
                        return frame.number();
                    }
                    default -> throw new IOException("a frame of type " + frame.type());
                }
            }
        } catch (IOException e) {
            System.err.println(tool + ": error: the tool server stopped before the command ended (" + e.getMessage() + ")");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** Reads standard input only when the command asks, as much as it asks: never ahead of it. */
    private void pumpInput(SynchronousQueue<Integer> reads) {
        InputStream stdin = new FileInputStream(FileDescriptor.in);
        try {
            while (true) {
                byte[] buffer = new byte[reads.take()];
                int count = stdin.read(buffer);
                ToolWire.write(out, ToolWire.STDIN, buffer, 0, Math.max(count, 0));
            }
        } catch (IOException | InterruptedException e) {
            // The command ended, or there is no more input to give.
        }
    }

    private static void writeQuietly(OutputStream stream, byte[] bytes) {
        try {
            stream.write(bytes);
        } catch (IOException e) {
            // A closed pipe (qvm-ls | head): as in the tool's own JVM, the rest goes nowhere.
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Running here instead.
        }
    }

    static Path socketPath() {
        String configured = System.getenv("QVM_TOOL_SOCKET");
        if (configured != null && !configured.isEmpty()) {
            return Path.of(configured);
        }
        if ("root".equals(System.getProperty("user.name"))) {
            // Not in the state directory (/run/qvm): the server makes its socket's directory 0700.
            return Path.of("/run/qvm-tools/tools.sock");
        }
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        return runtime == null || runtime.isEmpty() ? null : Path.of(runtime, "qvm-tools", "tools.sock");
    }

    /** Which jar this JVM runs: its path, size and time (a rebuilt jar is another). */
    static String jarIdentity() {
        String classPath = System.getProperty("java.class.path", "");
        try {
            Path jar = Path.of(classPath).toRealPath();
            return jar + " " + Files.size(jar) + " " + Files.getLastModifiedTime(jar).toMillis();
        } catch (IOException | RuntimeException e) {
            return classPath;
        }
    }

    /** The network namespace this process is in ({@code net:[INODE]}). */
    static String networkNamespace() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
