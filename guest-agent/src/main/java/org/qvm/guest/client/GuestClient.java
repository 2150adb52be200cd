package org.qvm.guest.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.LongConsumer;
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
 * guest is bounded by the frame limits; output the guest sends goes to the caller's streams.
 */
public final class GuestClient {
    private final GuestEndpoint endpoint;

    public GuestClient(GuestEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** A connection after the HELLO exchange. */
    private final class Session implements AutoCloseable {
        final GuestSocket socket;
        final FrameReader in;
        final FrameWriter out;

        Session() throws GuestException {
            try {
                socket = endpoint.connect();
            } catch (IOException e) {
                throw new GuestException(Protocol.STATUS_TRANSPORT, "cannot reach the agent (" + endpoint + "): "
                        + e.getMessage(), e);
            }
            in = new FrameReader(socket.input());
            out = new FrameWriter(socket.output());
            try {
                out.write(FrameType.HELLO, Payloads.u16(Protocol.VERSION));
                Frame hello = in.expect(FrameType.HELLO, FrameType.ERROR);
                if (hello.type() == FrameType.ERROR) {
                    throw refusal(hello);
                }
            } catch (IOException e) {
                close();
                throw transport(e);
            } catch (GuestException e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // Closed already.
            }
        }
    }

    private static GuestException transport(IOException e) {
        return new GuestException(Protocol.STATUS_TRANSPORT, "lost the connection to the agent: " + e.getMessage(), e);
    }

    private static GuestException refusal(Frame error) throws ProtocolException {
        Payloads.ErrorPayload payload = Payloads.error(error.payload());
        int status = payload.code() == Protocol.STATUS_REFUSED || payload.code() == Protocol.STATUS_NOT_FOUND
                ? payload.code() : Protocol.STATUS_TRANSPORT;
        return new GuestException(status, payload.message());
    }

    /** Whether the agent answers. */
    public void ping() throws GuestException {
        try (Session session = new Session()) {
            session.out.writeEmpty(FrameType.PING);
            session.in.expect(FrameType.PONG);
        } catch (IOException e) {
            throw transport(e);
        }
    }

    /** Asks the guest to power off. */
    public void powerOff() throws GuestException {
        try (Session session = new Session()) {
            session.out.writeEmpty(FrameType.POWEROFF);
            session.in.expect(FrameType.OK);
        } catch (IOException e) {
            throw transport(e);
        }
    }

    /** Starts a command that runs on in the guest without us (no pass-io); returns its guest pid. */
    public int startDetached(ExecRequest request) throws GuestException {
        try (Session session = new Session()) {
            session.out.write(FrameType.EXEC, request.encode());
            Frame answer = session.in.expect(FrameType.STARTED, FrameType.ERROR);
            if (answer.type() == FrameType.ERROR) {
                throw refusal(answer);
            }
            return Payloads.i32(answer.payload());
        } catch (IOException e) {
            throw transport(e);
        }
    }

    /** Lets the caller send signals (Ctrl-C) to a running command. */
    public interface Signals {
        void send(int signal);
    }

    /**
     * Runs a command with its standard streams connected: {@code stdin} (or none: null) is sent
     * until its end, the command's output is written to {@code stdout} and {@code stderr} as it
     * comes. Returns the command's exit status.
     *
     * @param signals receives a way to send signals to the command once it runs
     */
    public int run(ExecRequest request, InputStream stdin, OutputStream stdout, OutputStream stderr,
                   java.util.function.Consumer<Signals> signals) throws GuestException {
        try (Session session = new Session()) {
            session.out.write(FrameType.EXEC, request.encode());
            Frame started = session.in.expect(FrameType.STARTED, FrameType.ERROR);
            if (started.type() == FrameType.ERROR) {
                throw refusal(started);
            }
            signals.accept(signal -> {
                try {
                    session.out.write(FrameType.SIGNAL, new byte[] {(byte) signal});
                } catch (IOException e) {
                    // The command is ending anyway.
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
                            return Payloads.i32(frame.payload());
                        }
                        default -> throw refusal(frame);
                    }
                }
            } finally {
                input.interrupt();
            }
        } catch (IOException e) {
            throw transport(e);
        }
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

    /** Copies files into the guest's QubesIncoming/host. */
    public FileCopyPacker.Outcome copy(FileCopyPacker.Manifest manifest, LongConsumer progress) throws GuestException {
        try (Session session = new Session()) {
            session.out.writeEmpty(FrameType.FILECOPY);
            return FileCopyPacker.send(manifest, session.socket.channel(), session.socket.input(), progress);
        } catch (IOException e) {
            throw transport(e);
        }
    }
}
