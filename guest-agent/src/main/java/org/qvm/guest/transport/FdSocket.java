package org.qvm.guest.transport;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A connected AF_VSOCK stream socket on a plain descriptor (the JDK has no vsock). The descriptor
 * is non-blocking and every wait for the other side goes through poll, within the socket's
 * bounds: a peer that stops answering makes a read or write fail with
 * {@link java.net.SocketTimeoutException} instead of hanging.
 */
public final class FdSocket extends BoundedSocket {
    /** Bytes of heap buffers move through native buffers of this size, one for each direction. */
    private static final int CHUNK = 64 * 1024;

    private final int fd;
    private final Memory readBuffer = new Memory(CHUNK);
    private final Memory writeBuffer = new Memory(CHUNK);
    /** Calls in progress on the descriptor; it is closed when the last one ends (never reused under a call). */
    private int inFlight;
    private boolean closed;
    private boolean released;

    /** Wraps a connected, non-blocking descriptor; {@code peer} names the other side in errors. */
    FdSocket(int fd, String peer) {
        super(peer);
        this.fd = fd;
    }

    /** Straight from a direct buffer's memory; a heap buffer through our own native buffer. */
    @Override
    int transfer(ByteBuffer buffer, boolean reading) throws IOException {
        if (buffer.isDirect()) {
            int n = transfer(reading, Native.getDirectBufferPointer(buffer).share(buffer.position()), buffer.remaining());
            if (n > 0) {
                buffer.position(buffer.position() + n);
            }
            return n;
        }
        Memory memory = reading ? readBuffer : writeBuffer;
        synchronized (memory) {
            int length = Math.min(buffer.remaining(), CHUNK);
            if (!reading) {
                memory.write(0, buffer.array(), buffer.arrayOffset() + buffer.position(), length);
            }
            int n = transfer(reading, memory, length);
            if (n > 0) {
                if (reading) {
                    memory.read(0, buffer.array(), buffer.arrayOffset() + buffer.position(), n);
                }
                buffer.position(buffer.position() + n);
            }
            return n;
        }
    }

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
                        await(reading, idleStart);
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

    /** Waits until poll says the descriptor is ready, or a bound runs out. */
    private void await(boolean reading, long idleStart) throws IOException {
        long limit = waitLimit(idleStart, reading);
        short revents;
        try {
            revents = Poll.poll(fd, reading ? LibC.POLLIN : LibC.POLLOUT, Poll.millis(limit));
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

    @Override
    synchronized boolean isOpen() {
        return !closed;
    }

    /**
     * Ends the connection. A call blocked in another thread is woken (shutdown makes poll report
     * the end) and fails; the descriptor itself is released once no call uses it any more.
     */
    @Override
    public synchronized void close() {
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
}
