package org.qvm.guest.transport;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The guest channel over TCP, for hosts without vsock ({@code [guest] transport = "tcp"}): the
 * host reaches the agent at the guest's address through the VM's own tap, and the agent serves
 * only the host, the gateway of its /31 (the firewall keeps every other VM and the uplink away too).
 */
public final class Tcp {
    private Tcp() {
    }

    /** Connects to the agent; no wait goes past {@code deadlineNanoTime}. */
    public static GuestSocket connect(InetSocketAddress agent, long deadlineNanoTime) throws IOException {
        return ChannelSocket.connect(agent, deadlineNanoTime);
    }

    /** A connection accepted by a {@link Listener}, and who made it. */
    public record Accepted(GuestSocket socket, InetAddress peer) {
    }

    /** A listening socket: the agent's, on every address of the guest; qvmd's, on a VM's gateway. */
    public static final class Listener implements Closeable {
        private final ServerSocketChannel server;

        private Listener(ServerSocketChannel server) {
            this.server = server;
        }

        public static Listener listen(int port) throws IOException {
            return listen(new InetSocketAddress(port));
        }

        /** Listening on one address only (the host side of a VM's link, for qvmd). */
        public static Listener listen(InetSocketAddress address) throws IOException {
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET);
            try {
                server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                server.bind(address, 64);
            } catch (IOException e) {
                server.close();
                throw e;
            }
            return new Listener(server);
        }

        public Accepted accept() throws IOException {
            SocketChannel channel = server.accept();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            InetAddress peer = ((InetSocketAddress) channel.getRemoteAddress()).getAddress();
            return new Accepted(ChannelSocket.accepted(channel, peer.getHostAddress()), peer);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
