package org.qvm.guest.transport;

import com.sun.jna.LastErrorException;
import com.sun.jna.ptr.IntByReference;
import java.io.Closeable;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * Stream sockets on descriptors, AF_VSOCK and AF_UNIX: connecting within a deadline, listening,
 * accepting. Connected sockets are {@link FdSocket}s.
 */
public final class Sockets {
    /** sun_path holds 108 bytes with its NUL. */
    static final int MAX_UNIX_PATH = 107;

    private Sockets() {
    }

    /** struct sockaddr_un for a path. */
    static byte[] unixAddress(Path path) throws IOException {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length > MAX_UNIX_PATH) {
            throw new IOException("the socket path " + path + " is over " + MAX_UNIX_PATH + " bytes");
        }
        return ByteBuffer.allocate(2 + name.length + 1).order(ByteOrder.nativeOrder())
                .putShort((short) LibC.AF_UNIX).put(name).put((byte) 0).array();
    }

    /** Connects to a guest's vsock port; no wait goes past {@code deadlineNanoTime}. */
    public static FdSocket connect(VsockAddress address, long deadlineNanoTime) throws IOException {
        return connect(LibC.AF_VSOCK, address.toBytes(), address.toString(), deadlineNanoTime);
    }

    /** Connects to a UNIX stream socket; no wait goes past {@code deadlineNanoTime}. */
    public static FdSocket connect(Path path, long deadlineNanoTime) throws IOException {
        return connect(LibC.AF_UNIX, unixAddress(path), path.toString(), deadlineNanoTime);
    }

    private static FdSocket connect(int family, byte[] address, String peer, long deadlineNanoTime) throws IOException {
        int fd = call("socket", () -> LibC.INSTANCE.socket(family, LibC.SOCK_STREAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0));
        FdSocket socket = new FdSocket(fd, peer);
        socket.bound(deadlineNanoTime, null);
        try {
            while (true) {
                try {
                    LibC.INSTANCE.connect(fd, address, address.length);
                    break;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == LibC.EINPROGRESS) {
                        awaitConnected(fd, peer, deadlineNanoTime);
                        break;
                    }
                    if (e.getErrorCode() != LibC.EAGAIN && e.getErrorCode() != LibC.EINTR) {
                        throw new IOException("cannot connect to " + peer + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
                    }
                    // A UNIX socket whose queue is full: try again until the deadline.
                    if (System.nanoTime() - deadlineNanoTime >= 0) {
                        throw new SocketTimeoutException("cannot connect to " + peer + ": it accepts no connection");
                    }
                    LockSupport.parkNanos(10_000_000L);
                }
            }
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        socket.bound(GuestSocket.NO_DEADLINE, null);
        return socket;
    }

    /** Waits (bounded) for a non-blocking connect to finish, and reports how it ended. */
    private static void awaitConnected(int fd, String peer, long deadlineNanoTime) throws IOException {
        while (true) {
            long left = deadlineNanoTime == GuestSocket.NO_DEADLINE ? GuestSocket.NO_DEADLINE : deadlineNanoTime - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("cannot connect to " + peer + ": no answer in time");
            }
            try {
                if (Poll.poll(fd, LibC.POLLOUT, Poll.millis(left)) == 0) {
                    continue;
                }
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LibC.EINTR) {
                    continue;
                }
                throw new IOException("cannot connect to " + peer + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
            }
            byte[] error = new byte[4];
            IntByReference length = new IntByReference(4);
            call("getsockopt", () -> LibC.INSTANCE.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_ERROR, error, length));
            int errno = ByteBuffer.wrap(error).order(ByteOrder.nativeOrder()).getInt();
            if (errno != 0) {
                throw new IOException("cannot connect to " + peer + ": " + LibC.INSTANCE.strerror(errno));
            }
            return;
        }
    }

    /** Listens on a vsock port of any CID. */
    public static Listener listen(long vsockPort) throws IOException {
        return listen(LibC.AF_VSOCK, new VsockAddress(VsockAddress.CID_ANY, vsockPort).toBytes(), "vsock port " + vsockPort);
    }

    /** Listens on a UNIX socket (the path must not exist). */
    public static Listener listen(Path path) throws IOException {
        return listen(LibC.AF_UNIX, unixAddress(path), path.toString());
    }

    private static Listener listen(int family, byte[] address, String name) throws IOException {
        int fd = call("socket", () -> LibC.INSTANCE.socket(family, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0));
        try {
            call("bind " + name, () -> LibC.INSTANCE.bind(fd, address, address.length));
            call("listen on " + name, () -> LibC.INSTANCE.listen(fd, 64));
            return new Listener(fd, family, name);
        } catch (IOException e) {
            LibC.INSTANCE.close(fd);
            throw e;
        }
    }

    /** A listening socket. */
    public static final class Listener implements Closeable {
        private final int fd;
        private final int family;
        private final String name;
        private volatile boolean closed;

        private Listener(int fd, int family, String name) {
            this.fd = fd;
            this.family = family;
            this.name = name;
        }

        /** A connection and the raw address of its peer (a sockaddr_vm for vsock). */
        public record Accepted(FdSocket socket, byte[] peerAddress) {
        }

        /** Waits for the next connection; fails once the listener is closed. */
        public Accepted accept() throws IOException {
            byte[] address = new byte[128];
            IntByReference length = new IntByReference(address.length);
            while (true) {
                if (closed) {
                    throw new IOException(name + " is closed");
                }
                try {
                    int client = LibC.INSTANCE.accept4(fd, address, length, LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC);
                    String peer = family == LibC.AF_VSOCK ? VsockAddress.fromBytes(address).toString() : "a client of " + name;
                    return new Accepted(new FdSocket(client, peer), java.util.Arrays.copyOf(address, length.getValue()));
                } catch (LastErrorException e) {
                    if (closed) {
                        throw new IOException(name + " is closed");
                    }
                    if (e.getErrorCode() != LibC.EINTR) {
                        throw new IOException("accept on " + name + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
                    }
                }
            }
        }

        /** Stops listening; an accept blocked in another thread fails. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                // Wakes a thread blocked in accept (it gets EINVAL) before the descriptor goes.
                LibC.INSTANCE.shutdown(fd, LibC.SHUT_RDWR);
            } catch (LastErrorException e) {
                // Nothing to wake.
            }
            LibC.INSTANCE.close(fd);
        }
    }

    private interface Call {
        int run();
    }

    private static int call(String what, Call call) throws IOException {
        try {
            return call.run();
        } catch (LastErrorException e) {
            throw new IOException(what + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
        }
    }
}
