package org.qvm.guest.transport;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A plain UNIX stream socket: where a hybrid-vsock hypervisor hands the host a connection a guest
 * made to it (Firecracker's convention: the guest connects to the host, CID 2, on port P, and the
 * hypervisor connects to {@code <its socket>_P}); the stream is the guest's from the first byte.
 */
public final class Unix {
    private Unix() {
    }

    /** Connects; no wait goes past {@code deadlineNanoTime}. */
    public static GuestSocket connect(Path path, long deadlineNanoTime) throws IOException {
        return ChannelSocket.connect(path, deadlineNanoTime);
    }

    /** A listening socket at a path (made 0600: only its owner, the host's root, connects). */
    public static final class Listener implements Closeable {
        private final ServerSocketChannel server;
        private final Path path;

        private Listener(ServerSocketChannel server, Path path) {
            this.server = server;
            this.path = path;
        }

        /** Listens at {@code path}, replacing a socket left there by an earlier run. */
        public static Listener listen(Path path) throws IOException {
            Files.deleteIfExists(path);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                server.bind(UnixDomainSocketAddress.of(path), 64);
                Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (IOException e) {
                server.close();
                throw e;
            }
            return new Listener(server, path);
        }

        public GuestSocket accept() throws IOException {
            SocketChannel channel = server.accept();
            return ChannelSocket.accepted(channel, path.toString());
        }

        public Path path() {
            return path;
        }

        @Override
        public void close() throws IOException {
            server.close();
            Files.deleteIfExists(path);
        }
    }
}
