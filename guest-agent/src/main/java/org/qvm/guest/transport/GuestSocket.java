package org.qvm.guest.transport;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** One connection between host and agent, whatever carries it. */
public interface GuestSocket extends Closeable {
    InputStream input();

    OutputStream output();

    /** No more bytes will be written (the other side reads end of stream). */
    void shutdownOutput() throws IOException;

    /**
     * The connection as a channel, for bulk data (file copies) without copies through heap
     * arrays. Reads and writes go to the same connection as {@link #input()} and {@link #output()},
     * which buffer nothing, so the two may be used one after the other.
     */
    default ByteChannel channel() {
        ReadableByteChannel in = Channels.newChannel(input());
        WritableByteChannel out = Channels.newChannel(output());
        return new ByteChannel() {
            @Override
            public int read(ByteBuffer buffer) throws IOException {
                return in.read(buffer);
            }

            @Override
            public int write(ByteBuffer buffer) throws IOException {
                return out.write(buffer);
            }

            @Override
            public boolean isOpen() {
                return in.isOpen();
            }

            @Override
            public void close() {
                // The socket closes the connection.
            }
        };
    }
}
