package org.qvm.guest.transport;

import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.ByteChannel;
import java.time.Duration;

/** One connection between host and agent, whatever carries it. */
public interface GuestSocket extends Closeable {
    /** For {@link #bound}: no deadline. */
    long NO_DEADLINE = Long.MAX_VALUE;

    InputStream input();

    OutputStream output();

    /**
     * The connection as a channel, for bulk data (file copies): a direct buffer moves without a
     * copy through the heap. Reads and writes go to the same connection as {@link #input()} and
     * {@link #output()}, which buffer nothing, so the two may be used one after the other.
     */
    ByteChannel channel();

    /** No more bytes will be written (the other side reads end of stream). */
    void shutdownOutput() throws java.io.IOException;

    /**
     * Bounds every later read and write, from any thread: none waits past {@code deadlineNanoTime}
     * (a {@link System#nanoTime} value; {@link #NO_DEADLINE} for none), and none waits longer than
     * {@code idle} without moving a byte ({@code null}: no idle bound). A wait that runs out fails
     * with {@link java.net.SocketTimeoutException}.
     */
    void bound(long deadlineNanoTime, Duration idle);

    /** Ends the connection; a read or write blocked in another thread fails at once. */
    @Override
    void close();
}
