package org.qvm.guest.transport;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** One connection between host and agent, whatever carries it. */
public interface GuestSocket extends Closeable {
    InputStream input();

    OutputStream output();

    /** No more bytes will be written (the other side reads end of stream). */
    void shutdownOutput() throws IOException;
}
