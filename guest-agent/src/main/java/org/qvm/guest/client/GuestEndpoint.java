package org.qvm.guest.client;

import java.io.IOException;
import java.nio.file.Path;
import org.qvm.guest.transport.GuestSocket;
import org.qvm.guest.transport.HybridVsock;
import org.qvm.guest.transport.VsockAddress;
import org.qvm.guest.transport.VsockSocket;

/** Where a guest's agent is reached from the host. */
public sealed interface GuestEndpoint {

    GuestSocket connect() throws IOException;

    /** AF_VSOCK to the guest's CID. */
    record Vsock(long cid, long port) implements GuestEndpoint {
        @Override
        public GuestSocket connect() throws IOException {
            return VsockSocket.connect(new VsockAddress(cid, port));
        }

        @Override
        public String toString() {
            return "vsock CID " + cid + " port " + port;
        }
    }

    /** A hybrid-vsock UNIX socket (CONNECT handshake). */
    record Hybrid(Path socket, long port) implements GuestEndpoint {
        @Override
        public GuestSocket connect() throws IOException {
            return HybridVsock.connect(socket, port);
        }

        @Override
        public String toString() {
            return socket + " port " + port;
        }
    }
}
