package org.qvm.guest.transport;

import com.sun.jna.LastErrorException;
import com.sun.jna.ptr.IntByReference;
import java.io.Closeable;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.LockSupport;

/**
 * AF_VSOCK stream sockets on descriptors (the JDK has none): connecting within a deadline,
 * listening, accepting. Connected sockets are {@link FdSocket}s. (UNIX sockets use the JDK's
 * channels: {@link ChannelSocket}.)
 */
public final class Sockets {
    private Sockets() {
    }

    /** Connects to a guest's vsock port; no wait goes past {@code deadlineNanoTime}. */
    public static FdSocket connect(VsockAddress address, long deadlineNanoTime) throws IOException {
        byte[] bytes = address.toBytes();
        String peer = address.toString();
        int fd = call("socket", () -> LibC.INSTANCE.socket(LibC.AF_VSOCK, LibC.SOCK_STREAM | LibC.SOCK_NONBLOCK
                | LibC.SOCK_CLOEXEC, 0));
        FdSocket socket = new FdSocket(fd, peer);
        socket.bound(deadlineNanoTime, null);
        try {
            while (true) {
                try {
                    LibC.INSTANCE.connect(fd, bytes, bytes.length);
                    break;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == LibC.EINPROGRESS) {
                        awaitConnected(fd, peer, deadlineNanoTime);
                        break;
                    }
                    if (e.getErrorCode() != LibC.EAGAIN && e.getErrorCode() != LibC.EINTR) {
                        throw new IOException("cannot connect to " + peer + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
                    }
                    // A listener whose queue is full: try again until the deadline.
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
        byte[] address = new VsockAddress(VsockAddress.CID_ANY, vsockPort).toBytes();
        String name = "vsock port " + vsockPort;
        int fd = call("socket", () -> LibC.INSTANCE.socket(LibC.AF_VSOCK, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0));
        try {
            call("bind " + name, () -> LibC.INSTANCE.bind(fd, address, address.length));
            call("listen on " + name, () -> LibC.INSTANCE.listen(fd, 64));
            return new Listener(fd, name);
        } catch (IOException e) {
            LibC.INSTANCE.close(fd);
            throw e;
        }
    }

    /** A listening socket. */
    public static final class Listener implements Closeable {
        private final int fd;
        private final String name;
        private volatile boolean closed;

        private Listener(int fd, String name) {
            this.fd = fd;
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
                    String peer = VsockAddress.fromBytes(address).toString();
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
