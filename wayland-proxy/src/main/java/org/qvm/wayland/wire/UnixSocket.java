package org.qvm.wayland.wire;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A connected UNIX stream socket that carries file descriptors (SCM_RIGHTS) with its bytes, as
 * the Wayland wire protocol needs. Reads and writes block; {@link #shutdown()} wakes a blocked
 * reader from another thread. At most {@value #MAX_FDS_PER_SEND} descriptors go in one send (the
 * most libwayland takes in one read); more received in one read than {@value #MAX_FDS_PER_RECEIVE}
 * is an error.
 */
public final class UnixSocket implements AutoCloseable {
    public static final int MAX_FDS_PER_SEND = 28;
    static final int MAX_FDS_PER_RECEIVE = 253;
    private static final int MSGHDR = 56;
    private static final int IOVEC = 16;
    private static final int CMSG_HEADER = 16;

    private final int fd;
    private final Memory receiveHeader = new Memory(MSGHDR);
    private final Memory receiveIovec = new Memory(IOVEC);
    private final Memory receiveControl = new Memory(CMSG_HEADER + MAX_FDS_PER_RECEIVE * 4L + 4);
    private final Memory sendHeader = new Memory(MSGHDR);
    private final Memory sendIovec = new Memory(IOVEC);
    private final Memory sendControl = new Memory(CMSG_HEADER + MAX_FDS_PER_SEND * 4L);
    private Memory receiveData = new Memory(1);
    private Memory sendData = new Memory(1);
    private volatile boolean closed;

    UnixSocket(int fd) {
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    /** Connects to the socket at {@code path}. */
    public static UnixSocket connect(Path path) throws IOException {
        int fd = open();
        try {
            LibC.INSTANCE.connect(fd, address(path), ADDRESS_LENGTH);
        } catch (LastErrorException e) {
            closeQuietly(fd);
            throw failure("cannot connect to " + path, e);
        }
        return new UnixSocket(fd);
    }

    static int open() throws IOException {
        try {
            return LibC.INSTANCE.socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw failure("cannot make a socket", e);
        }
    }

    static final int ADDRESS_LENGTH = 110;

    /** struct sockaddr_un for a path (at most 107 bytes). */
    static byte[] address(Path path) throws IOException {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 107) {
            throw new IOException("socket path too long (" + bytes.length + " bytes, 107 at most): " + path);
        }
        byte[] address = new byte[ADDRESS_LENGTH];
        address[0] = (byte) LibC.AF_UNIX;
        System.arraycopy(bytes, 0, address, 2, bytes.length);
        return address;
    }

    static IOException failure(String what, LastErrorException e) {
        return new IOException(what + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
    }

    /**
     * Reads what is there (blocking until something is) into {@code into} from its position, and
     * appends the descriptors that came with it to {@code fds}. Returns the bytes read; -1 at the end.
     */
    public int receive(ByteBuffer into, FdQueue fds) throws IOException {
        int room = into.remaining();
        boolean direct = into.isDirect();
        if (!direct && receiveData.size() < room) {
            receiveData = new Memory(room);
        }
        // A direct buffer is read into where it is: no copy.
        receiveIovec.setPointer(0, direct ? Native.getDirectBufferPointer(into).share(into.position()) : receiveData);
        receiveIovec.setLong(8, room);
        receiveHeader.clear();
        receiveHeader.setPointer(16, receiveIovec);
        receiveHeader.setLong(24, 1);
        receiveHeader.setPointer(32, receiveControl);
        receiveHeader.setLong(40, receiveControl.size());
        long got;
        while (true) {
            try {
                got = LibC.INSTANCE.recvmsg(fd, receiveHeader, LibC.MSG_CMSG_CLOEXEC);
                break;
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LibC.EINTR) {
                    continue;
                }
                if (closed) {
                    return -1;
                }
                throw failure("cannot read", e);
            }
        }
        long controlLength = receiveHeader.getLong(40);
        int flags = receiveHeader.getInt(48);
        if (controlLength >= CMSG_HEADER) {
            long length = receiveControl.getLong(0);
            int level = receiveControl.getInt(8);
            int type = receiveControl.getInt(12);
            if (level == LibC.SOL_SOCKET && type == LibC.SCM_RIGHTS) {
                int count = (int) ((length - CMSG_HEADER) / 4);
                for (int i = 0; i < count; i++) {
                    fds.add(receiveControl.getInt(CMSG_HEADER + 4L * i));
                }
            }
        }
        if ((flags & LibC.MSG_CTRUNC) != 0) {
            throw new IOException("more file descriptors in one read than " + MAX_FDS_PER_RECEIVE);
        }
        if (got == 0) {
            return -1;
        }
        if (direct) {
            into.position(into.position() + (int) got);
        } else {
            into.put(receiveData.getByteArray(0, (int) got));
        }
        return (int) got;
    }

    /** Sends all of {@code bytes} (from its position to its limit), the descriptors with its first part. */
    public void send(ByteBuffer bytes, int[] fds, int fdCount) throws IOException {
        if (fdCount > MAX_FDS_PER_SEND) {
            throw new IllegalArgumentException(fdCount + " descriptors in one send");
        }
        int length = bytes.remaining();
        Pointer data;
        if (bytes.isDirect()) {
            // A direct buffer is written from where it is: no copy.
            data = Native.getDirectBufferPointer(bytes).share(bytes.position());
        } else {
            if (sendData.size() < length) {
                sendData = new Memory(Math.max(length, 4096));
            }
            byte[] copy = new byte[length];
            bytes.get(bytes.position(), copy);
            sendData.write(0, copy, 0, length);
            data = sendData;
        }
        bytes.position(bytes.limit());
        long offset = 0;
        boolean withFds = fdCount > 0;
        while (offset < length || withFds) {
            sendIovec.setPointer(0, data.share(offset));
            sendIovec.setLong(8, length - offset);
            sendHeader.clear();
            sendHeader.setPointer(16, sendIovec);
            sendHeader.setLong(24, 1);
            if (withFds) {
                sendControl.setLong(0, CMSG_HEADER + 4L * fdCount);
                sendControl.setInt(8, LibC.SOL_SOCKET);
                sendControl.setInt(12, LibC.SCM_RIGHTS);
                for (int i = 0; i < fdCount; i++) {
                    sendControl.setInt(CMSG_HEADER + 4L * i, fds[i]);
                }
                sendHeader.setPointer(32, sendControl);
                sendHeader.setLong(40, CMSG_HEADER + align8(4L * fdCount));
            }
            try {
                offset += LibC.INSTANCE.sendmsg(fd, sendHeader, LibC.MSG_NOSIGNAL);
                withFds = false;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != LibC.EINTR) {
                    throw failure("cannot write", e);
                }
            }
        }
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }

    /** Stops both directions: a thread blocked reading it sees the end. */
    public void shutdown() {
        closed = true;
        try {
            LibC.INSTANCE.shutdown(fd, LibC.SHUT_RDWR);
        } catch (LastErrorException e) {
            // Not connected any more.
        }
    }

    @Override
    public void close() {
        shutdown();
        closeQuietly(fd);
    }

    static void closeQuietly(int fd) {
        try {
            LibC.INSTANCE.close(fd);
        } catch (LastErrorException e) {
            // Closed already.
        }
    }
}
