package org.qvm.guest.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.time.Duration;

/**
 * What both kinds of connection share: the streams and the channel over one bounded step
 * ({@link #transfer}), and the bounds themselves: a deadline and an idle limit ({@link #bound}),
 * from which each wait takes what is left ({@link #waitLimit}).
 */
abstract class BoundedSocket implements GuestSocket {
    protected final String peer;
    private volatile long deadlineNanos = NO_DEADLINE;
    private volatile long idleNanos = NO_DEADLINE;
    private final InputStream input;
    private final OutputStream output;
    private final ByteChannel channel;

    BoundedSocket(String peer) {
        this.peer = peer;
        this.channel = new ByteChannel() {
            @Override
            public int read(ByteBuffer buffer) throws IOException {
                return buffer.hasRemaining() ? transfer(buffer, true) : 0;
            }

            @Override
            public int write(ByteBuffer buffer) throws IOException {
                return buffer.hasRemaining() ? transfer(buffer, false) : 0;
            }

            @Override
            public boolean isOpen() {
                return BoundedSocket.this.isOpen();
            }

            @Override
            public void close() {
                BoundedSocket.this.close();
            }
        };
        this.input = ChannelStreams.input(channel);
        this.output = ChannelStreams.output(channel);
    }

    /**
     * One read or write into or from the buffer (which has room or bytes): waits, within the
     * bounds, until the connection is ready, then moves what it can. Returns the count; -1 at the
     * end of the stream when reading.
     */
    abstract int transfer(ByteBuffer buffer, boolean reading) throws IOException;

    abstract boolean isOpen();

    /**
     * How long a wait that began making no progress at {@code idleStart} may still last, in
     * nanoseconds ({@link #NO_DEADLINE}: for ever); a {@link SocketTimeoutException} when nothing is left.
     */
    final long waitLimit(long idleStart, boolean reading) throws SocketTimeoutException {
        long now = System.nanoTime();
        long deadline = deadlineNanos;
        long idle = idleNanos;
        long limit = Math.min(deadline == NO_DEADLINE ? NO_DEADLINE : deadline - now,
                idle == NO_DEADLINE ? NO_DEADLINE : idleStart + idle - now);
        if (limit <= 0) {
            String bound = deadline != NO_DEADLINE && deadline - now <= 0 ? "in time"
                    : "within " + Duration.ofNanos(idle).toSeconds() + " s";
            throw new SocketTimeoutException(peer + " did not " + (reading ? "answer" : "take what we send") + " " + bound);
        }
        return limit;
    }

    @Override
    public final void bound(long deadlineNanoTime, Duration idle) {
        deadlineNanos = deadlineNanoTime;
        idleNanos = idle == null ? NO_DEADLINE : idle.toNanos();
    }

    @Override
    public final InputStream input() {
        return input;
    }

    @Override
    public final OutputStream output() {
        return output;
    }

    @Override
    public final ByteChannel channel() {
        return channel;
    }

    @Override
    public String toString() {
        return peer;
    }
}
