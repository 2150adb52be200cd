package org.qvm.guest.transport;

import java.io.IOException;

/** AF_VSOCK stream sockets (the JDK has none): connecting to a guest, and the agent's listener. */
public final class Vsock {
    private Vsock() {
    }

    /** Connects to a guest's port; no wait goes past {@code deadlineNanoTime}. */
    public static GuestSocket connect(VsockAddress address, long deadlineNanoTime) throws IOException {
        return Sockets.connect(address, deadlineNanoTime);
    }

    /** A connection accepted on a vsock port, with the peer's address (its CID, as the kernel reports it). */
    public record Accepted(GuestSocket socket, VsockAddress peer) {
    }

    /** A listening vsock socket on a port of any CID. */
    public static final class Listener implements java.io.Closeable {
        private final Sockets.Listener listener;

        private Listener(Sockets.Listener listener) {
            this.listener = listener;
        }

        public static Listener listen(long port) throws IOException {
            return new Listener(Sockets.listen(port));
        }

        public Accepted accept() throws IOException {
            Sockets.Listener.Accepted accepted = listener.accept();
            return new Accepted(accepted.socket(), VsockAddress.fromBytes(accepted.peerAddress()));
        }

        @Override
        public void close() {
            listener.close();
        }
    }
}
