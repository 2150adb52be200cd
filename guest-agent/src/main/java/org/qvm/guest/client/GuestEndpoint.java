package org.qvm.guest.client;

import java.io.IOException;
import java.nio.file.Path;
import org.qvm.guest.Deadline;
import org.qvm.guest.transport.GuestSocket;
import org.qvm.guest.transport.HybridVsock;
import org.qvm.guest.transport.VsockAddress;

/** One end of the guest channel: where a guest's agent is reached from the host, or the host from a guest. */
public sealed interface GuestEndpoint {

    /** Connects (and, for hybrid vsock, completes the handshake) without waiting past the deadline. */
    GuestSocket connect(Deadline deadline) throws IOException;

    /** AF_VSOCK to the guest's CID. */
    record Vsock(long cid, long port) implements GuestEndpoint {
        @Override
        public GuestSocket connect(Deadline deadline) throws IOException {
            return org.qvm.guest.transport.Vsock.connect(new VsockAddress(cid, port), deadline.nanoTime());
        }

        @Override
        public String toString() {
            return "vsock CID " + cid + " port " + port;
        }
    }

    /** TCP to the guest's address, through the VM's own tap (for hosts without vsock). */
    record Tcp(String address, long port) implements GuestEndpoint {
        @Override
        public GuestSocket connect(Deadline deadline) throws IOException {
            return org.qvm.guest.transport.Tcp.connect(new java.net.InetSocketAddress(address, (int) port), deadline.nanoTime());
        }

        @Override
        public String toString() {
            return "tcp " + address + ":" + port;
        }
    }

    /** A plain UNIX socket: the host's end of a guest's calls, in tests with a hybrid-vsock hypervisor. */
    record Unix(Path socket) implements GuestEndpoint {
        @Override
        public GuestSocket connect(Deadline deadline) throws IOException {
            return org.qvm.guest.transport.Unix.connect(socket, deadline.nanoTime());
        }

        @Override
        public String toString() {
            return socket.toString();
        }
    }

        /** A hybrid-vsock UNIX socket (CONNECT handshake). */
    record Hybrid(Path socket, long port) implements GuestEndpoint {
        @Override
        public GuestSocket connect(Deadline deadline) throws IOException {
            return HybridVsock.connect(socket, port, deadline.nanoTime());
        }

        @Override
        public String toString() {
            return socket + " port " + port;
        }
    }
}
