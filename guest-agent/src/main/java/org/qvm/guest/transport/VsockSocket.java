package org.qvm.guest.transport;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** An AF_VSOCK stream socket, through JNA (the JDK has no vsock). */
public final class VsockSocket implements GuestSocket {
    private final int fd;
    private final InputStream input;
    private final OutputStream output;
    private final VsockAddress peer;

    /** Bytes move through native buffers of this size: one for reading, one for writing. */
    private static final int CHUNK = 64 * 1024;

    private VsockSocket(int fd, VsockAddress peer) {
        this.fd = fd;
        this.peer = peer;
        Memory readBuffer = new Memory(CHUNK);
        Memory writeBuffer = new Memory(CHUNK);
        this.input = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public synchronized int read(byte[] buffer, int offset, int length) throws IOException {
                if (length == 0) {
                    return 0;
                }
                int n = call("read", () -> LibC.INSTANCE.read(fd, readBuffer, Math.min(length, CHUNK)));
                if (n == 0) {
                    return -1;
                }
                readBuffer.read(0, buffer, offset, n);
                return n;
            }
        };
        this.output = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public synchronized void write(byte[] buffer, int offset, int length) throws IOException {
                while (length > 0) {
                    int chunk = Math.min(length, CHUNK);
                    writeBuffer.write(0, buffer, offset, chunk);
                    int written = 0;
                    while (written < chunk) {
                        int done = written;
                        written += call("write", () -> LibC.INSTANCE.write(fd, writeBuffer.share(done), chunk - done));
                    }
                    offset += chunk;
                    length -= chunk;
                }
            }
        };
    }

    private interface Call {
        int run();
    }

    static int call(String what, Call call) throws IOException {
        try {
            return call.run();
        } catch (LastErrorException e) {
            throw new IOException("vsock " + what + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
        }
    }

    /** Connects to a guest's port. */
    public static VsockSocket connect(VsockAddress address) throws IOException {
        int fd = call("socket", () -> LibC.INSTANCE.socket(LibC.AF_VSOCK, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0));
        try {
            byte[] bytes = address.toBytes();
            call("connect to " + address, () -> LibC.INSTANCE.connect(fd, bytes, bytes.length));
            return new VsockSocket(fd, address);
        } catch (IOException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("cannot connect to " + address + ": " + e.getMessage(), e);
        }
    }

    /** Listens on a port of any CID. */
    public static Listener listen(long port) throws IOException {
        int fd = call("socket", () -> LibC.INSTANCE.socket(LibC.AF_VSOCK, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0));
        try {
            byte[] bytes = new VsockAddress(VsockAddress.CID_ANY, port).toBytes();
            call("bind", () -> LibC.INSTANCE.bind(fd, bytes, bytes.length));
            call("listen", () -> LibC.INSTANCE.listen(fd, 64));
            return new Listener(fd);
        } catch (IOException e) {
            LibC.INSTANCE.close(fd);
            throw e;
        }
    }

    /** A listening vsock socket. */
    public static final class Listener implements java.io.Closeable {
        private final int fd;

        private Listener(int fd) {
            this.fd = fd;
        }

        public VsockSocket accept() throws IOException {
            byte[] address = new byte[VsockAddress.SIZE];
            IntByReference length = new IntByReference(address.length);
            int client = call("accept", () -> LibC.INSTANCE.accept4(fd, address, length, LibC.SOCK_CLOEXEC));
            return new VsockSocket(client, VsockAddress.fromBytes(address));
        }

        @Override
        public void close() {
            LibC.INSTANCE.close(fd);
        }
    }

    public VsockAddress peer() {
        return peer;
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
        call("shutdown", () -> LibC.INSTANCE.shutdown(fd, LibC.SHUT_WR));
    }

    @Override
    public void close() {
        LibC.INSTANCE.close(fd);
    }
}
