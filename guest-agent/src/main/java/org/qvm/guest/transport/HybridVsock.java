package org.qvm.guest.transport;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.qvm.guest.UntrustedText;

/**
 * The hybrid-vsock UNIX socket of Firecracker and cloud-hypervisor: the host connects to a UNIX
 * socket, writes {@code CONNECT <port>\n}, reads {@code OK <number>\n}, and from then on the
 * stream is the guest connection. {@code qvm-agent --listen unix:PATH} serves the guest's side
 * of that handshake itself, which is how tests run the real agent as a local process.
 */
public final class HybridVsock {
    /** A handshake line is short; a longer one is not a handshake. */
    static final int MAX_LINE = 64;

    private HybridVsock() {
    }

    /**
     * Connects through the socket to the guest's port: the connection and the handshake together
     * wait no longer than {@code deadlineNanoTime}.
     */
    public static GuestSocket connect(Path socket, long port, long deadlineNanoTime) throws IOException {
        ChannelSocket connection = ChannelSocket.connect(socket, deadlineNanoTime);
        try {
            connection.bound(deadlineNanoTime, null);
            connection.output().write(("CONNECT " + port + "\n").getBytes(StandardCharsets.US_ASCII));
            String reply = readLine(connection.input());
            if (reply == null || !reply.matches("OK [0-9]{1,10}")) {
                throw new IOException("no connection to port " + port + " through " + socket
                        + (reply == null ? " (closed)" : " (answered '" + UntrustedText.forDisplay(reply) + "')"));
            }
            connection.bound(GuestSocket.NO_DEADLINE, null);
            return connection;
        } catch (IOException e) {
            connection.close();
            throw new IOException("cannot connect to the guest through " + socket + ": " + e.getMessage(), e);
        }
    }

    /** A line of at most {@link #MAX_LINE} bytes without its newline, or null if the stream ends first. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (line.size() <= MAX_LINE) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            if (b == '\n') {
                return line.toString(StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        throw new IOException("handshake line longer than " + MAX_LINE + " bytes");
    }

    /** The agent's side: a listening UNIX socket that answers the handshake for one port. */
    public static final class Listener implements Closeable {
        /** How long a client may take to send its CONNECT line. */
        static final Duration HANDSHAKE_LIMIT = Duration.ofSeconds(10);

        private final ServerSocketChannel server;
        private final Path path;
        private final long port;
        private long connections;

        private Listener(ServerSocketChannel server, Path path, long port) {
            this.server = server;
            this.path = path;
            this.port = port;
        }

        public static Listener listen(Path path, long port) throws IOException {
            Files.deleteIfExists(path);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path), 64);
            return new Listener(server, path, port);
        }

        /** The next connection; {@link #handshake} decides whether it may go on. */
        public GuestSocket accept() throws IOException {
            return ChannelSocket.accepted(server.accept(), "a client of " + path);
        }

        /**
         * Reads the client's {@code CONNECT <port>} (within {@link #HANDSHAKE_LIMIT}) and answers
         * {@code OK <n>}; false (and the connection should be closed) for a bad line or another port.
         */
        public boolean handshake(GuestSocket socket) throws IOException {
            socket.bound(System.nanoTime() + HANDSHAKE_LIMIT.toNanos(), null);
            String request = readLine(socket.input());
            if (request == null || !request.equals("CONNECT " + port)) {
                return false;
            }
            long local;
            synchronized (this) {
                local = 1_073_741_824L + connections++;
            }
            socket.output().write(("OK " + local + "\n").getBytes(StandardCharsets.US_ASCII));
            socket.bound(GuestSocket.NO_DEADLINE, null);
            return true;
        }

        @Override
        public void close() throws IOException {
            server.close();
            Files.deleteIfExists(path);
        }
    }
}
