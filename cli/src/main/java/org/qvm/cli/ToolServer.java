package org.qvm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.qvm.plan.SocketFiles;

/**
 * The tool server: one resident JVM that runs the qvm-* tools for their short-lived clients
 * ({@link ToolClient}), so that a command costs a JVM's bare start and not also its class loading,
 * picocli's command model and a cold configuration parser. Each invocation runs on a thread of its
 * own, with its client's arguments, environment, standard streams, terminals and Ctrl-C, exactly
 * as the tool would in its own JVM; its exit status goes back to the client.
 *
 * <p>Only the tools in {@link ToolWire#SERVED} are run here, and only when nothing about the
 * invocation could differ from running it in the client's own JVM: the same user (the socket's
 * peer credentials), the same network namespace (a tool run by {@code ip netns exec} acts on that
 * namespace), the same jar, and no debug logging. Anything else is declined, and the client runs the
 * tool itself. qvm-kill is never served: it must work even when this server does not.
 */
final class ToolServer implements AutoCloseable {
    /** How long a client may take to send its request and its go-ahead. */
    private static final Duration HANDSHAKE = Duration.ofSeconds(5);

    private final Path socket;
    private final Consumer<String> log;
    private final String jar;
    private final String networkNamespace;
    private final String user;
    private final ServerSocketChannel listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ToolServer(Path socket, Consumer<String> log, ServerSocketChannel listener) {
        this.socket = socket;
        this.log = log;
        this.listener = listener;
        this.jar = ToolClient.jarIdentity();
        this.networkNamespace = ToolClient.networkNamespace();
        this.user = System.getProperty("user.name");
    }

    /**
     * Listens on {@code socket}, in a directory only this user can enter (made 0700 if missing). A
     * stale socket there (no server answers on it) is replaced; a live one is an error.
     */
    static ToolServer listen(Path socket, Consumer<String> log) throws IOException {
        Path directory = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(directory));
        if (mode.charAt(4) == 'w' || mode.charAt(7) == 'w') {
            throw new IOException(directory + " is writable by other users (" + mode + "): the tool server's socket must not be");
        }
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            try (SocketChannel live = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                throw new IOException("a tool server already listens on " + socket);
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("a tool server already")) {
                    throw e;
                }
                Files.delete(socket);
            }
        }
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            SocketFiles.bindInPlace(socket, at -> listener.bind(UnixDomainSocketAddress.of(at)));
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
        return new ToolServer(socket, log, listener);
    }

    /** Each invocation's standard error, on its threads and the threads they start. */
    private static final InheritableThreadLocal<OutputStream> INVOCATION_STDERR = new InheritableThreadLocal<>();

    /**
     * Makes {@code System.err} each invocation's own standard error on its threads (what a library
     * prints there, such as slf4j's warnings, goes to the client as in the tool's own JVM), and
     * the server's own elsewhere.
     */
    static void routeStandardError() {
        java.io.PrintStream server = System.err;
        System.setErr(new java.io.PrintStream(new OutputStream() {
            private OutputStream target() {
                OutputStream invocation = INVOCATION_STDERR.get();
                return invocation != null ? invocation : server;
            }

            @Override
            public void write(int b) throws IOException {
                target().write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                target().write(bytes, offset, length);
            }

            @Override
            public void flush() throws IOException {
                target().flush();
            }
        }, true));
    }

    /** Serves until {@link #close()}; each client on a thread of its own. */
    void serve() throws IOException {
        while (!closed.get()) {
            SocketChannel client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (closed.get()) {
                    return;
                }
                throw e;
            }
            Thread thread = new Thread(() -> serveClient(client), "tool-client");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void serveClient(SocketChannel channel) {
        try (channel) {
            Optional<UnixDomainPrincipal> peer = Optional.ofNullable(channel.getOption(ExtendedSocketOptions.SO_PEERCRED));
            if (peer.isEmpty() || !peer.get().user().getName().equals(user)) {
                log.accept("refused a client of user " + peer.map(p -> p.user().getName()).orElse("?") + " (serving " + user + " only)");
                return;
            }
            InputStream in = ToolWire.input(channel);
            OutputStream out = ToolWire.output(channel);
            Thread handshake = ToolWire.closeAfter(channel, HANDSHAKE);
            ToolWire.Request request;
            try {
                ToolWire.Frame frame = ToolWire.read(in, ToolWire.REQUEST_LIMIT);
                if (frame.type() != ToolWire.REQUEST) {
                    return;
                }
                request = ToolWire.Request.decode(frame.payload());
                Optional<String> decline = declineReason(request);
                Optional<String> local = decline.isPresent() ? Optional.empty() : runsInItsOwnJvm(request);
                if (decline.isPresent() || local.isPresent()) {
                    ToolWire.write(out, decline.isPresent() ? ToolWire.DECLINE : ToolWire.LOCAL,
                            decline.or(() -> local).orElseThrow().getBytes(StandardCharsets.UTF_8));
                    if (!jar.equals(ToolClient.jarIdentity())) {
                        log.accept("the jar was rebuilt or replaced: stopping, so that a new server can start");
                        close();
                    }
                    return;
                }
                ToolWire.write(out, ToolWire.ACCEPT, new byte[0]);
                if (ToolWire.read(in, 0).type() != ToolWire.GO) {
                    return;
                }
            } finally {
                handshake.interrupt();
            }
            try (FrameSender sender = new FrameSender(out)) {
                new Invocation(request, in, sender, log).run();
            }
        } catch (IOException e) {
            // The client went away; it runs nothing of ours then.
        }
    }

    /** Why this server cannot run this client's commands as the client's own JVM would, if it cannot. */
    Optional<String> declineReason(ToolWire.Request request) {
        if (!request.jar().equals(jar)) {
            return Optional.of("the client's jar is not the server's");
        }
        if (!request.networkNamespace().equals(networkNamespace)) {
            return Optional.of("the client is in another network namespace");
        }
        return Optional.empty();
    }

    /** Why this command runs in the client's own JVM whatever the server, if it does. */
    static Optional<String> runsInItsOwnJvm(ToolWire.Request request) {
        String tool = request.argv().get(0);
        List<String> args = request.argv().subList(1, request.argv().size());
        if (!ToolWire.SERVED.contains(tool)) {
            return Optional.of(tool + " is not served");
        }
        String config = request.environment().getOrDefault(org.qvm.config.ConfigLoader.ENVIRONMENT_VARIABLE, "");
        if (!config.isEmpty() && !Path.of(config).isAbsolute()) {
            // Relative to the client's directory, and so are the paths in it and in every message about them.
            return Optional.of("a relative QVM_CONFIG is the client's own directory's");
        }
        if (CommonOptions.logLevel(args.toArray(String[]::new)).equals("debug")) {
            // The host's tools log nothing at info or above (what they have to say is their own
            // output), so -v and -q change nothing here; anything else on System.err goes to the
            // client (routeStandardError).
            return Optional.of("-vv sets the log level of the JVM it runs in");
        }
        if (tool.equals("qvm-start") && args.contains("--foreground")) {
            return Optional.of("--foreground stays with its VM");
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            listener.close();
        } catch (IOException e) {
            // Closing anyway.
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.accept("could not remove " + socket + ": " + e.getMessage());
        }
    }

    /**
     * The client's connection as the tool's threads write to it: each frame (what is written up to
     * a flush, as {@link ToolWire#write} does) is written whole by a thread of its own that nothing
     * interrupts. A socket channel is interruptible: a tool thread interrupted while writing (qvm-run
     * stops its input thread so, which may be asking the client for input) would close the
     * connection, and the client would never get the exit status.
     */
    static final class FrameSender extends OutputStream {
        private final OutputStream connection;
        private final java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
        private final java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "tool-client-output");
            thread.setDaemon(true);
            return thread;
        });

        FrameSender(OutputStream connection) {
            this.connection = connection;
        }

        @Override
        public synchronized void write(int b) {
            frame.write(b);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            frame.write(bytes, offset, length);
        }

        /** Sends what was written since the last flush, whole, and waits until it is sent. */
        @Override
        public synchronized void flush() throws IOException {
            byte[] bytes = frame.toByteArray();
            frame.reset();
            java.util.concurrent.Future<?> sent = sender.submit(() -> {
                connection.write(bytes);
                return null;
            });
            try {
                sent.get();
            } catch (InterruptedException e) {
                // The frame is sent all the same; this thread is told it was interrupted.
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while the client is sent a frame");
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            }
        }

        @Override
        public void close() {
            sender.shutdown();
        }
    }

    /** One tool run for one client: its streams are frames on the client's connection. */
    private static final class Invocation implements Interrupts {
        private final ToolWire.Request request;
        private final InputStream in;
        private final OutputStream out;
        private final AtomicBoolean ended = new AtomicBoolean();
        private final BlockingQueue<byte[]> stdin = new ArrayBlockingQueue<>(1);
        private final Deque<Runnable> ctrlC = new ArrayDeque<>();
        /** What runs if the command is ended from outside (see {@link Interrupts#whenEnded}). */
        private final java.util.Map<Object, Runnable> whenEnded = new java.util.LinkedHashMap<>();
        private volatile Thread worker;
        private final Consumer<String> log;

        Invocation(ToolWire.Request request, InputStream in, OutputStream out, Consumer<String> log) {
            this.request = request;
            this.in = in;
            this.out = out;
            this.log = log;
        }

        void run() throws IOException {
            worker = Thread.currentThread();
            Thread reader = new Thread(this::readClient, "tool-client-input");
            reader.setDaemon(true);
            reader.start();
            int status;
            try {
                status = runTool();
            } catch (RuntimeException | Error e) {
                status = 1;
                write(ToolWire.STDERR, (request.argv().get(0) + ": error: " + e + "\n").getBytes(StandardCharsets.UTF_8));
            }
            end(status);
            Thread.interrupted();
        }

        private int runTool() {
            Tool tool = Tools.create(request.argv().get(0));
            tool.environment = request.environment();
            tool.input = new ClientInput();
            tool.stdout = new ClientOutput(ToolWire.STDOUT);
            tool.stderr = new ClientOutput(ToolWire.STDERR);
            tool.stdoutTerminal = request.stdoutTerminal();
            tool.stderrTerminal = request.stderrTerminal();
            tool.interrupts = this;
            INVOCATION_STDERR.set(tool.stderr);
            picocli.CommandLine commandLine = ToolRunner.commandLine(tool);
            commandLine.setOut(new PrintWriter(new OutputStreamWriter(tool.stdout, StandardCharsets.UTF_8), true));
            commandLine.setErr(new PrintWriter(new OutputStreamWriter(tool.stderr, StandardCharsets.UTF_8), true));
            try {
                return commandLine.execute(request.argv().subList(1, request.argv().size()).toArray(String[]::new));
            } finally {
                commandLine.getOut().flush();
                commandLine.getErr().flush();
                INVOCATION_STDERR.remove();
            }
        }

        /** The client's frames: its standard input when asked for, Ctrl-C, and its end. */
        private void readClient() {
            try {
                while (!ended.get()) {
                    ToolWire.Frame frame = ToolWire.read(in, ToolWire.CHUNK);
                    if (frame.type() == ToolWire.STDIN) {
                        stdin.offer(frame.payload());
                    } else if (frame.type() == ToolWire.SIGNAL) {
                        ctrlC();
                    }
                }
            } catch (IOException e) {
                clientGone();
            }
        }

        /** Ctrl-C: the tool's own handler if it has one, else the command ends with 130 as in its own JVM. */
        private void ctrlC() {
            Runnable handler;
            synchronized (ctrlC) {
                handler = ctrlC.peek();
            }
            if (handler != null) {
                handler.run();
            } else {
                exitNow(130);
            }
        }

        /** The client went away (killed, or its terminal closed): as a second Ctrl-C would, end the command. */
        private void clientGone() {
            if (ended.get()) {
                return;
            }
            log.accept("the client of " + request.argv().get(0) + " went away: ending its command");
            Runnable handler;
            synchronized (ctrlC) {
                handler = ctrlC.peek();
            }
            if (handler != null) {
                handler.run();
                handler.run();
            }
            exitNow(130);
            stdin.offer(new byte[0]);
        }

        @Override
        public Object onCtrlC(Runnable action) {
            synchronized (ctrlC) {
                ctrlC.push(action);
            }
            return action;
        }

        @Override
        public void restore(Object previous) {
            synchronized (ctrlC) {
                ctrlC.remove(previous);
            }
        }

        @Override
        public void exitNow(int status) {
            end(status);
            Thread thread = worker;
            if (thread != null && thread != Thread.currentThread()) {
                thread.interrupt();
            }
            List<Runnable> actions;
            synchronized (whenEnded) {
                actions = List.copyOf(whenEnded.values());
            }
            actions.forEach(Runnable::run);
        }

        /** As in the tool's own JVM, also when the server's JVM stops. */
        @Override
        public Object whenEnded(Runnable action) {
            Object hook = Interrupts.JVM.whenEnded(action);
            synchronized (whenEnded) {
                whenEnded.put(hook, action);
            }
            return hook;
        }

        @Override
        public void forget(Object hook) {
            synchronized (whenEnded) {
                whenEnded.remove(hook);
            }
            Interrupts.JVM.forget(hook);
        }

        /** Sends the exit status, once; what the tool writes after that goes nowhere. */
        private void end(int status) {
            if (ended.compareAndSet(false, true)) {
                try {
                    ToolWire.writeNumber(out, ToolWire.EXIT, status);
                } catch (IOException e) {
                    // The client is gone.
                }
            }
        }

        private void write(byte type, byte[] bytes) throws IOException {
            if (ended.get()) {
                throw new IOException("the command has ended for its client");
            }
            ToolWire.write(out, type, bytes);
        }

        /** Standard output or error: each write is a frame (the tools flush per line). */
        private final class ClientOutput extends OutputStream {
            private final byte type;

            ClientOutput(byte type) {
                this.type = type;
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                for (int done = 0; done < length; done += ToolWire.CHUNK) {
                    if (ended.get()) {
                        throw new IOException("the command has ended for its client");
                    }
                    ToolWire.write(out, type, bytes, offset + done, Math.min(ToolWire.CHUNK, length - done));
                }
            }
        }

        /** Standard input, asked of the client a read at a time, as the tool reads it (never ahead). */
        private final class ClientInput extends InputStream {
            private boolean atEnd;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public synchronized int read(byte[] buffer, int offset, int length) throws IOException {
                if (length == 0) {
                    return 0;
                }
                if (atEnd || ended.get()) {
                    return -1;
                }
                ToolWire.writeNumber(out, ToolWire.READ, Math.min(length, ToolWire.CHUNK));
                byte[] data;
                try {
                    data = stdin.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("the command was ended");
                }
                if (data.length == 0) {
                    atEnd = true;
                    return -1;
                }
                int count = Math.min(length, data.length);
                System.arraycopy(data, 0, buffer, offset, count);
                return count;
            }
        }
    }
}
