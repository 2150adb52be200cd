package org.qvm.guest.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.qvm.guest.Deadline;
import org.qvm.guest.UntrustedText;
import org.qvm.guest.filecopy.CopyResult;
import org.qvm.guest.filecopy.FileCopyPacker;
import org.qvm.guest.protocol.ExecRequest;
import org.qvm.guest.protocol.Frame;
import org.qvm.guest.protocol.FrameReader;
import org.qvm.guest.protocol.FrameType;
import org.qvm.guest.protocol.FrameWriter;
import org.qvm.guest.protocol.Payloads;
import org.qvm.guest.protocol.Protocol;
import org.qvm.guest.protocol.ProtocolException;
import org.qvm.guest.transport.GuestSocket;

/**
 * The host's side of the guest protocol: one connection per request. Everything read from the
 * guest is bounded in size (the frame limits) and in time: connecting, the HELLO exchange and
 * every request's answer each have a limit ({@link Limits}), a file copy fails when the guest
 * stops taking data, and {@link #until} puts a deadline on a whole operation. Only the output of
 * a running command may take as long as the command does. Text from the guest in errors is
 * filtered ({@link UntrustedText}).
 */
public final class GuestClient {
    /**
     * How long each step may take: connecting (with the hybrid-vsock handshake), each answer the
     * protocol requires (HELLO, PONG, OK, STARTED, a copy's result), and a pause while a file copy
     * is sending.
     */
    public record Limits(Duration connect, Duration reply, Duration stall) {
        public static final Limits DEFAULT = forAnswers(Duration.ofSeconds(10));

        /** The limits for a host whose guests get {@code answer} to answer: a connection at most 5 s, a copy 3 answers' time to move. */
        public static Limits forAnswers(Duration answer) {
            Duration connect = answer.compareTo(Duration.ofSeconds(5)) < 0 ? answer : Duration.ofSeconds(5);
            return new Limits(connect, answer, answer.multipliedBy(3));
        }
    }

    private final GuestEndpoint endpoint;
    private final Limits limits;
    private final Deadline deadline;

    public GuestClient(GuestEndpoint endpoint) {
        this(endpoint, Limits.DEFAULT, Deadline.NONE);
    }

    public GuestClient(GuestEndpoint endpoint, Limits limits) {
        this(endpoint, limits, Deadline.NONE);
    }

    private GuestClient(GuestEndpoint endpoint, Limits limits, Deadline deadline) {
        this.endpoint = endpoint;
        this.limits = limits;
        this.deadline = deadline;
    }

    /** This client with a deadline for whole operations: no step of any request waits past it. */
    public GuestClient until(Deadline operation) {
        return new GuestClient(endpoint, limits, deadline.earlier(operation));
    }

    /** A connection after the HELLO exchange. */
    private final class Session implements AutoCloseable {
        final GuestSocket socket;
        final FrameReader in;
        final FrameWriter out;

        Session() throws GuestException {
            try {
                socket = endpoint.connect(deadline.atMost(limits.connect()));
            } catch (IOException e) {
                throw new GuestException(Protocol.STATUS_TRANSPORT, "cannot reach the agent (" + endpoint + "): "
                        + e.getMessage(), e);
            }
            in = new FrameReader(socket.input());
            out = new FrameWriter(socket.output());
            try {
                step();
                out.write(FrameType.HELLO, Payloads.u16(Protocol.VERSION));
                Frame hello = in.expect(FrameType.HELLO, FrameType.ERROR);
                if (hello.type() == FrameType.ERROR) {
                    throw refusal(hello);
                }
            } catch (IOException e) {
                close();
                throw transport(e, "HELLO");
            } catch (GuestException e) {
                close();
                throw e;
            }
        }

        /** Bounds the next request and its answer. */
        void step() {
            socket.bound(deadline.atMost(limits.reply()).nanoTime(), null);
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private GuestException transport(IOException e, String awaited) {
        if (e instanceof SocketTimeoutException) {
            return new GuestException(Protocol.STATUS_TRANSPORT, "the agent (" + endpoint + ") stopped answering: no "
                    + awaited + " " + (deadline.passed() ? "before the deadline" : "in time") + " (" + e.getMessage() + ")", e);
        }
        return new GuestException(Protocol.STATUS_TRANSPORT, "lost the connection to the agent: " + e.getMessage(), e);
    }

    private static GuestException refusal(Frame error) throws ProtocolException {
        Payloads.ErrorPayload payload = Payloads.error(error.payload());
        int status = payload.code() == Protocol.STATUS_REFUSED || payload.code() == Protocol.STATUS_NOT_FOUND
                ? payload.code() : Protocol.STATUS_TRANSPORT;
        return new GuestException(status, UntrustedText.forDisplay(payload.message()));
    }

    /**
     * Sends one request (FILECOPY, OPEN_FILE or OPEN_URL, with its payload) and hands over the
     * connection, for the host to relay what another VM sends (qvmd): from here on it carries
     * that service's exchange, and the caller bounds and closes it.
     */
    public GuestSocket handOver(FrameType request, byte[] payload) throws GuestException {
        Session session = new Session();
        try {
            session.out.write(request, payload);
            return session.socket;
        } catch (IOException e) {
            session.close();
            throw transport(e, "answer to " + request);
        }
    }

    /** Opens a URL (http, https or ftp) in the guest user's browser; returns the opener's pid in the guest. */
    public int openUrl(String url) throws GuestException {
        try (Session session = new Session()) {
            session.step();
            session.out.write(FrameType.OPEN_URL, url.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return Payloads.i32(answer(session, FrameType.STARTED).payload());
        } catch (IOException e) {
            throw transport(e, "answer to OPEN_URL");
        }
    }

        /** Whether the agent answers. */
    public void ping() throws GuestException {
        try (Session session = new Session()) {
            session.step();
            session.out.writeEmpty(FrameType.PING);
            answer(session, FrameType.PONG);
        } catch (IOException e) {
            throw transport(e, "answer to PING");
        }
    }

    /** Asks the guest to power off. */
    public void powerOff() throws GuestException {
        try (Session session = new Session()) {
            session.step();
            session.out.writeEmpty(FrameType.POWEROFF);
            answer(session, FrameType.OK);
        } catch (IOException e) {
            throw transport(e, "answer to POWEROFF");
        }
    }

    /** Starts a command that runs on in the guest without us (no pass-io); returns its guest pid. */
    public int startDetached(ExecRequest request) throws GuestException {
        try (Session session = new Session()) {
            return start(session, request);
        } catch (IOException e) {
            throw transport(e, "answer to EXEC");
        }
    }

    private int start(Session session, ExecRequest request) throws IOException, GuestException {
        session.step();
        session.out.write(FrameType.EXEC, request.encode());
        return Payloads.i32(answer(session, FrameType.STARTED).payload());
    }

    /** The answer to a request: the expected frame, or the agent's ERROR (any request may get one). */
    private static Frame answer(Session session, FrameType expected) throws IOException, GuestException {
        Frame answer = session.in.expect(expected, FrameType.ERROR);
        if (answer.type() == FrameType.ERROR) {
            throw refusal(answer);
        }
        return answer;
    }

    /** Lets the caller send signals (Ctrl-C) to a running command. */
    public interface Signals {
        void send(int signal);

        /** Closes the connection: the agent hangs the command up, as when the host goes away. */
        default void hangUp() {
        }
    }

    /**
     * Runs a command with its standard streams connected: {@code stdin} (or none: null) is sent
     * until its end, the command's output is written to {@code stdout} and {@code stderr} as it
     * comes. Returns the command's exit status, 0 to 255. Once the command runs, its output may
     * take as long as the command does (only the operation's deadline, if any, applies).
     *
     * @param signals receives a way to send signals to the command once it runs
     */
    public int run(ExecRequest request, InputStream stdin, OutputStream stdout, OutputStream stderr,
                   Consumer<Signals> signals) throws GuestException {
        try (Session session = new Session()) {
            start(session, request);
            session.socket.bound(deadline.nanoTime(), null);
            signals.accept(new Signals() {
                @Override
                public void send(int signal) {
                    try {
                        session.out.write(FrameType.SIGNAL, new byte[] {(byte) signal});
                    } catch (IOException e) {
                        // The command is ending anyway.
                    }
                }

                @Override
                public void hangUp() {
                    session.close();
                }
            });
            Thread input = startInput(session, stdin);
            try {
                while (true) {
                    Frame frame = session.in.expect(FrameType.STDOUT, FrameType.STDERR, FrameType.EXIT, FrameType.ERROR);
                    switch (frame.type()) {
                        case STDOUT -> write(stdout, frame.payload());
                        case STDERR -> write(stderr, frame.payload());
                        case EXIT -> {
                            return exitStatus(Payloads.i32(frame.payload()));
                        }
                        default -> throw refusal(frame);
                    }
                }
            } finally {
                input.interrupt();
            }
        } catch (IOException e) {
            throw transport(e, "answer to EXEC");
        }
    }

    /** An exit status is 0 to 255; anything else from a guest is a broken answer, not a success. */
    private static int exitStatus(int status) throws GuestException {
        if (status < 0 || status > 255) {
            throw new GuestException(Protocol.STATUS_TRANSPORT, "the agent reported an impossible exit status " + status);
        }
        return status;
    }

    private static void write(OutputStream stream, byte[] data) throws IOException {
        stream.write(data);
        stream.flush();
    }

    private static Thread startInput(Session session, InputStream stdin) {
        Thread thread = new Thread(() -> {
            try {
                if (stdin != null) {
                    byte[] buffer = new byte[Protocol.MAX_DATA];
                    int n;
                    while ((n = stdin.read(buffer)) > 0) {
                        session.out.write(FrameType.STDIN, buffer, 0, n);
                    }
                }
                session.out.writeEmpty(FrameType.STDIN_EOF);
            } catch (IOException e) {
                // The connection ended; the main loop reports it.
            }
        }, "qvm-run-stdin");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Copies files from the host into the guest's QubesIncoming/host. A guest that stops taking data for
     * {@link Limits#stall()}, or does not answer within {@link Limits#reply()} of the end, fails
     * the copy (status 125). A source that cannot be read, or changes while it is sent, ends the
     * copy at once with a {@link FileCopyPacker.SourceException}: the receiver sees the stream
     * break off and throws away what it had not finished.
     */
    public FileCopyPacker.Outcome copy(FileCopyPacker.Manifest manifest, LongConsumer progress)
            throws GuestException, FileCopyPacker.SourceException {
        return copy(manifest, progress, "");
    }

    /**
     * As {@link #copy(FileCopyPacker.Manifest, LongConsumer)}, into QubesIncoming/{@code source}:
     * for files that come from the VM {@code source} (empty: from the host).
     */
    public FileCopyPacker.Outcome copy(FileCopyPacker.Manifest manifest, LongConsumer progress, String source)
            throws GuestException, FileCopyPacker.SourceException {
        try (Session session = new Session()) {
            return send(session, FrameType.FILECOPY, manifest, progress, source);
        }
    }

    /**
     * Copies one file into the guest and has it opened there for the user (into
     * QubesIncoming/{@code source}/opened-DATE-TIME/, with the guest's xdg-open). Returns the copy's
     * outcome; when it is a verified success, the file was opened too.
     *
     * @throws GuestException also when the guest received the file but could not open it
     */
    public FileCopyPacker.Outcome openFile(FileCopyPacker.Manifest manifest, LongConsumer progress, String source)
            throws GuestException, FileCopyPacker.SourceException {
        try (Session session = new Session()) {
            FileCopyPacker.Outcome outcome = send(session, FrameType.OPEN_FILE, manifest, progress, source);
            if (outcome.verified()) {
                session.step();
                answer(session, FrameType.STARTED);
            }
            return outcome;
        } catch (IOException e) {
            throw transport(e, "answer to OPEN_FILE");
        }
    }

    /**
     * As {@link #openFile}, for a disposable that lives as long as its viewer: waits until the
     * guest's open command exits, as long as it takes (only the operation's deadline, if any,
     * applies), and returns its exit status.
     *
     * @throws GuestException also when the copy failed or arrived damaged ({@link FileCopyPacker.Outcome#problem})
     */
    public int openFileAndWait(FileCopyPacker.Manifest manifest, LongConsumer progress, String source)
            throws GuestException, FileCopyPacker.SourceException {
        try (Session session = new Session()) {
            FileCopyPacker.Outcome outcome = send(session, FrameType.OPEN_FILE_AND_WAIT, manifest, progress, source);
            java.util.Optional<String> problem = outcome.problem("the VM");
            if (problem.isPresent()) {
                throw new GuestException(Protocol.STATUS_TRANSPORT, problem.get());
            }
            return startedThenExit(session);
        } catch (IOException e) {
            throw transport(e, "answer to OPEN_FILE_AND_WAIT");
        }
    }

    /** As {@link #openUrl}, then waits until the guest's open command exits; returns its exit status. */
    public int openUrlAndWait(String url) throws GuestException {
        try (Session session = new Session()) {
            session.step();
            session.out.write(FrameType.OPEN_URL_AND_WAIT, url.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return startedThenExit(session);
        } catch (IOException e) {
            throw transport(e, "answer to OPEN_URL_AND_WAIT");
        }
    }

    /** STARTED within the answer time, then EXIT whenever the command ends. */
    private int startedThenExit(Session session) throws IOException, GuestException {
        session.step();
        answer(session, FrameType.STARTED);
        session.socket.bound(deadline.nanoTime(), null);
        return exitStatus(Payloads.i32(answer(session, FrameType.EXIT).payload()));
    }

    /** Sends a file-copy stream after {@code request} and reads the receiver's result. */
    private FileCopyPacker.Outcome send(Session session, FrameType request, FileCopyPacker.Manifest manifest,
                                        LongConsumer progress, String source) throws GuestException, FileCopyPacker.SourceException {
        try {
            session.socket.bound(deadline.nanoTime(), limits.stall());
            long crc;
            try {
                session.out.write(request, source.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                crc = FileCopyPacker.send(manifest, session.socket.channel(), progress);
            } catch (SocketTimeoutException stalled) {
                throw transport(stalled, "progress while sending");
            } catch (FileCopyPacker.SourceException e) {
                throw e;
            } catch (IOException broken) {
                // The receiver may have stopped reading because it refused something: its answer says what.
                session.step();
                try {
                    return new FileCopyPacker.Outcome(CopyResult.read(session.socket.input()), FileCopyPacker.NO_CRC);
                } catch (IOException noAnswer) {
                    throw transport(broken, "answer");
                }
            }
            session.step();
            return new FileCopyPacker.Outcome(CopyResult.read(session.socket.input()), crc);
        } catch (FileCopyPacker.SourceException e) {
            throw e;
        } catch (IOException e) {
            throw transport(e, "answer to the file copy");
        }
    }
}
