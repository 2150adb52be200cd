package org.qvm.guest.transport;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.time.Duration;

/**
 * A connected AF_VSOCK stream socket on a plain descriptor (the JDK has no vsock). The descriptor is non-blocking and every wait for the
 * other side goes through poll, bounded by the deadline and the idle limit in force ({@link #bound};
 * none by default): a peer that stops answering
 * makes a read or write fail with {@link SocketTimeoutException} instead of hanging.
 */
public final class FdSocket implements GuestSocket {
    /** Bytes move through native buffers of this size, one for each direction. */
    private static final int CHUNK = 64 * 1024;
    private static final long NONE = GuestSocket.NO_DEADLINE;

    private final int fd;
    private final String peer;
    private final Memory readBuffer = new Memory(CHUNK);
    private final Memory writeBuffer = new Memory(CHUNK);
    private final InputStream input;
    private final OutputStream output;
    private final ByteChannel channel;
    private volatile long deadlineNanos = NONE;
    private volatile long idleNanos = NONE;
    /** Calls in progress on the descriptor; it is closed when the last one ends (never reused under a call). */
    private int inFlight;
    private boolean closed;
    private boolean released;

    /** Wraps a connected descriptor (which it makes non-blocking); {@code peer} names the other side in errors. */
    FdSocket(int fd, String peer) {
        this.fd = fd;
        this.peer = peer;
        this.input = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                if (length == 0) {
                    return 0;
                }
                synchronized (readBuffer) {
                    int n = transfer(true, readBuffer, Math.min(length, CHUNK));
                    if (n > 0) {
                        readBuffer.read(0, buffer, offset, n);
                    }
                    return n;
                }
            }
        };
        this.output = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] buffer, int offset, int length) throws IOException {
                synchronized (writeBuffer) {
                    while (length > 0) {
                        int chunk = Math.min(length, CHUNK);
                        writeBuffer.write(0, buffer, offset, chunk);
                        for (int done = 0; done < chunk; ) {
                            done += transfer(false, writeBuffer.share(done), chunk - done);
                        }
                        offset += chunk;
                        length -= chunk;
                    }
                }
            }
        };
        this.channel = new ByteChannel() {
            @Override
            public int read(ByteBuffer buffer) throws IOException {
                return direct(buffer, true);
            }

            @Override
            public int write(ByteBuffer buffer) throws IOException {
                return direct(buffer, false);
            }

            @Override
            public boolean isOpen() {
                return !isClosed();
            }

            @Override
            public void close() throws IOException {
                FdSocket.this.close();
            }
        };
    }

    /** Moves bytes between a buffer and the socket: straight from a direct buffer's memory, else through our own. */
    private int direct(ByteBuffer buffer, boolean reading) throws IOException {
        if (!buffer.hasRemaining()) {
            return 0;
        }
        if (buffer.isDirect()) {
            Pointer memory = Native.getDirectBufferPointer(buffer).share(buffer.position());
            int n = transfer(reading, memory, buffer.remaining());
            if (n > 0) {
                buffer.position(buffer.position() + n);
            }
            return n;
        }
        byte[] bytes = new byte[Math.min(buffer.remaining(), CHUNK)];
        if (reading) {
            int n = input.read(bytes);
            if (n > 0) {
                buffer.put(bytes, 0, n);
            }
            return n;
        }
        buffer.get(bytes);
        output.write(bytes);
        return bytes.length;
    }

    /**
     * One read or write of at most {@code length} bytes: waits (bounded) until the socket is
     * ready, then moves what it can. Returns the count; -1 for end of stream when reading.
     */
    private int transfer(boolean reading, Pointer memory, int length) throws IOException {
        enter();
        try {
            long idleStart = System.nanoTime();
            while (true) {
                try {
                    int n = reading ? LibC.INSTANCE.read(fd, memory, length) : LibC.INSTANCE.write(fd, memory, length);
                    return reading && n == 0 ? -1 : n;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == LibC.EAGAIN) {
                        await(reading ? LibC.POLLIN : LibC.POLLOUT, idleStart, reading ? "answer" : "take what we send");
                    } else if (e.getErrorCode() != LibC.EINTR) {
                        throw new IOException((reading ? "read from " : "write to ") + peer + ": "
                                + LibC.INSTANCE.strerror(e.getErrorCode()));
                    }
                }
            }
        } finally {
            leave();
        }
    }

    /** Waits until poll says the descriptor is ready for {@code events}, or a bound runs out. */
    private void await(short events, long idleStart, String what) throws IOException {
        long limit = Math.min(deadlineNanos == NONE ? NONE : deadlineNanos - System.nanoTime(),
                idleNanos == NONE ? NONE : idleStart + idleNanos - System.nanoTime());
        if (limit <= 0) {
            throw timeout(what);
        }
        short revents;
        try {
            revents = Poll.poll(fd, events, Poll.millis(limit));
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.EINTR) {
                return;
            }
            throw new IOException("poll on " + peer + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
        }
        if ((revents & LibC.POLLNVAL) != 0) {
            throw new IOException("the connection to " + peer + " is closed");
        }
        // Nothing ready means the time ran out: the caller tries once more, and its next wait finds no time left.
    }

    private SocketTimeoutException timeout(String what) {
        long deadlineLeft = deadlineNanos == NONE ? NONE : deadlineNanos - System.nanoTime();
        String bound = deadlineLeft <= 0 ? "in time" : "within " + seconds(idleNanos);
        return new SocketTimeoutException(peer + " did not " + what + " " + bound);
    }

    private static String seconds(long nanos) {
        Duration duration = Duration.ofNanos(nanos);
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    @Override
    public void bound(long deadlineNanoTime, Duration idle) {
        deadlineNanos = deadlineNanoTime;
        idleNanos = idle == null ? NONE : idle.toNanos();
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
    public ByteChannel channel() {
        return channel;
    }

    @Override
    public void shutdownOutput() throws IOException {
        enter();
        try {
            LibC.INSTANCE.shutdown(fd, LibC.SHUT_WR);
        } catch (LastErrorException e) {
            throw new IOException("shutdown of " + peer + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
        } finally {
            leave();
        }
    }

    private synchronized void enter() throws IOException {
        if (closed) {
            throw new IOException("the connection to " + peer + " is closed");
        }
        inFlight++;
    }

    private synchronized void leave() {
        inFlight--;
        releaseIfIdle();
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Ends the connection. A call blocked in another thread is woken (shutdown makes poll report
     * the end) and fails; the descriptor itself is released once no call uses it any more.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                LibC.INSTANCE.shutdown(fd, LibC.SHUT_RDWR);
            } catch (LastErrorException e) {
                // Not connected any more: nothing to wake.
            }
            releaseIfIdle();
        }
    }

    private void releaseIfIdle() {
        if (closed && inFlight == 0 && !released) {
            released = true;
            try {
                LibC.INSTANCE.close(fd);
            } catch (LastErrorException e) {
                // Gone already.
            }
        }
    }

    @Override
    public String toString() {
        return peer;
    }
}
