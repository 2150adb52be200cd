package org.qvm.wayland.wire;

import com.sun.jna.LastErrorException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * Pipes for clipboard data, read and written without blocking past a deadline: a guest that
 * never writes (or never reads) the other end cannot hold the proxy.
 */
public final class Pipes {
    private Pipes() {
    }

    /** A new pipe: {read, write}, both close-on-exec. */
    public static int[] pipe() throws IOException {
        int[] fds = new int[2];
        try {
            LibC.INSTANCE.pipe2(fds, LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw UnixSocket.failure("cannot make a pipe", e);
        }
        return fds;
    }

    /** Reads {@code fd} to its end, at most {@code limit} bytes, within {@code time}; closes it. */
    public static byte[] readAll(int fd, int limit, Duration time) throws IOException {
        long deadline = System.nanoTime() + time.toNanos();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        try {
            LibC.INSTANCE.fcntl(fd, LibC.F_SETFL, LibC.O_NONBLOCK);
            while (true) {
                waitFor(fd, LibC.POLLIN, deadline, "the data");
                long got = LibC.INSTANCE.read(fd, buffer, buffer.length);
                if (got == 0) {
                    return data.toByteArray();
                }
                data.write(buffer, 0, (int) got);
                if (data.size() > limit) {
                    throw new IOException("more than " + limit + " bytes");
                }
            }
        } catch (LastErrorException e) {
            throw UnixSocket.failure("cannot read the data", e);
        } finally {
            FdQueue.close(fd);
        }
    }

    /** Writes all of {@code data} to {@code fd} within {@code time}; closes it. */
    public static void writeAll(int fd, byte[] data, Duration time) throws IOException {
        long deadline = System.nanoTime() + time.toNanos();
        int written = 0;
        try {
            LibC.INSTANCE.fcntl(fd, LibC.F_SETFL, LibC.O_NONBLOCK);
            while (written < data.length) {
                waitFor(fd, LibC.POLLOUT, deadline, "the reader");
                byte[] rest = java.util.Arrays.copyOfRange(data, written, data.length);
                try {
                    written += (int) LibC.INSTANCE.write(fd, rest, rest.length);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != LibC.EAGAIN) {
                        throw e;
                    }
                }
            }
        } catch (LastErrorException e) {
            throw UnixSocket.failure("cannot write the data", e);
        } finally {
            FdQueue.close(fd);
        }
    }

    private static void waitFor(int fd, short events, long deadline, String what) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new IOException("gave up waiting for " + what);
        }
        ByteBuffer pollfd = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(fd).putShort(events).putShort((short) 0);
        try {
            if (LibC.INSTANCE.poll(pollfd.array(), 1, (int) Math.min(left, Integer.MAX_VALUE)) == 0) {
                throw new IOException("gave up waiting for " + what);
            }
        } catch (LastErrorException e) {
            if (e.getErrorCode() != LibC.EINTR) {
                throw UnixSocket.failure("cannot wait for " + what, e);
            }
        }
    }
}
