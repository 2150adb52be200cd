package org.qvm.guest.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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

    /** Connects through the socket to the guest's port. */
    public static GuestSocket connect(Path socket, long port) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            UnixSocket connection = new UnixSocket(channel);
            connection.output().write(("CONNECT " + port + "\n").getBytes(StandardCharsets.US_ASCII));
            connection.output().flush();
            String reply = readLine(connection.input());
            if (reply == null || !reply.matches("OK [0-9]{1,10}")) {
                throw new IOException("no connection to port " + port + " through " + socket
                        + (reply == null ? " (closed)" : " (answered '" + reply + "')"));
            }
            return connection;
        } catch (IOException e) {
            channel.close();
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
                return line.toString(StandardCharsets.US_ASCII);
            }
            line.write(b);
        }
        throw new IOException("handshake line longer than " + MAX_LINE + " bytes");
    }

    /** The agent's side: a listening UNIX socket that answers the handshake for one port. */
    public static final class Listener implements java.io.Closeable {
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

        /** The next connection whose handshake asks for our port; others are answered with a close. */
        public UnixSocket accept() throws IOException {
            return new UnixSocket(server.accept());
        }

        /**
         * Reads the client's {@code CONNECT <port>} and answers {@code OK <n>}; false (and the
         * connection should be closed) for a bad line or another port.
         */
        public boolean handshake(UnixSocket socket) throws IOException {
            String request = readLine(socket.input());
            if (request == null || !request.equals("CONNECT " + port)) {
                return false;
            }
            long local;
            synchronized (this) {
                local = 1_073_741_824L + connections++;
            }
            socket.output().write(("OK " + local + "\n").getBytes(StandardCharsets.US_ASCII));
            socket.output().flush();
            return true;
        }

        @Override
        public void close() throws IOException {
            server.close();
            Files.deleteIfExists(path);
        }
    }

    /** A connected UNIX stream socket. */
    public static final class UnixSocket implements GuestSocket {
        private final SocketChannel channel;
        private final InputStream input;
        private final OutputStream output;

        /**
         * Streams straight over the channel's read and write: the JDK's Channels.newInputStream and
         * newOutputStream take one lock for both directions, which would stop a reader and a writer
         * from working at once (and deadlock a command's input against its output).
         */
        UnixSocket(SocketChannel channel) {
            this.channel = channel;
            this.input = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    return length == 0 ? 0 : channel.read(ByteBuffer.wrap(buffer, offset, length));
                }
            };
            this.output = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] buffer, int offset, int length) throws IOException {
                    ByteBuffer bytes = ByteBuffer.wrap(buffer, offset, length);
                    while (bytes.hasRemaining()) {
                        channel.write(bytes);
                    }
                }
            };
        }

        @Override
        public InputStream input() {
            return input;
        }

        @Override
        public OutputStream output() {
            return output;
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }

        @Override
        public java.nio.channels.ByteChannel channel() {
            return channel;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
