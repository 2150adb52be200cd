package org.qvm.guest.calls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.qvm.guest.Deadline;
import org.qvm.guest.UntrustedText;
import org.qvm.guest.client.GuestEndpoint;
import org.qvm.guest.client.GuestException;
import org.qvm.guest.protocol.CallRequest;
import org.qvm.guest.protocol.Frame;
import org.qvm.guest.protocol.FrameReader;
import org.qvm.guest.protocol.FrameType;
import org.qvm.guest.protocol.FrameWriter;
import org.qvm.guest.protocol.Payloads;
import org.qvm.guest.protocol.Protocol;
import org.qvm.guest.transport.GuestSocket;

/**
 * A guest's call to the host (qvmd): HELLO both ways, CALL, then ACCEPTED with the VM it goes to
 * (the service's exchange follows on the same connection) or ERROR (refused, with why).
 */
public final class HostCall {
    /** How long the host may take to decide: it may ask the user, who may be away. */
    public static final Duration DECISION = Duration.ofMinutes(5);
    static final Duration CONNECT = Duration.ofSeconds(10);

    private HostCall() {
    }

    /** A call the host accepted: to {@code target}; the service's exchange goes on over {@code socket}. */
    public record Accepted(String target, GuestSocket socket) implements AutoCloseable {
        @Override
        public void close() {
            socket.close();
        }
    }

    /**
     * Calls the service; returns once the host has decided.
     *
     * @throws GuestException 126 with the host's reason when refused, 125 when the host cannot be reached
     */
    public static Accepted call(GuestEndpoint host, CallRequest request, Duration decision) throws GuestException {
        GuestSocket socket;
        try {
            socket = host.connect(Deadline.in(CONNECT));
        } catch (IOException e) {
            throw new GuestException(Protocol.STATUS_TRANSPORT, "cannot reach the host (" + host + "): " + e.getMessage(), e);
        }
        try {
            socket.bound(Deadline.in(CONNECT).nanoTime(), null);
            FrameWriter out = new FrameWriter(socket.output());
            FrameReader in = new FrameReader(socket.input());
            out.write(FrameType.HELLO, Payloads.u16(Protocol.VERSION));
            Frame hello = in.expect(FrameType.HELLO, FrameType.ERROR);
            if (hello.type() == FrameType.ERROR) {
                throw refused(hello);
            }
            out.write(FrameType.CALL, request.encode());
            socket.bound(Deadline.in(decision).nanoTime(), null);
            Frame answer = in.expect(FrameType.ACCEPTED, FrameType.ERROR);
            if (answer.type() == FrameType.ERROR) {
                throw refused(answer);
            }
            socket.bound(GuestSocket.NO_DEADLINE, null);
            return new Accepted(new String(answer.payload(), StandardCharsets.UTF_8), socket);
        } catch (IOException e) {
            socket.close();
            throw new GuestException(Protocol.STATUS_TRANSPORT, "the host broke off the call: " + e.getMessage(), e);
        } catch (GuestException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static GuestException refused(Frame error) throws IOException {
        Payloads.ErrorPayload payload = Payloads.error(error.payload());
        return new GuestException(payload.code(), UntrustedText.forDisplay(payload.message()));
    }
}
