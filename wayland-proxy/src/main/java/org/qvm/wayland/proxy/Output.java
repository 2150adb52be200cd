package org.qvm.wayland.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.qvm.wayland.wire.FdQueue;
import org.qvm.wayland.wire.UnixSocket;

/**
 * What goes out to one end of a connection, gathered so that a batch of messages leaves in one
 * write, their descriptors with them (at most {@value UnixSocket#MAX_FDS_PER_SEND} per write, so
 * never later than their message). Messages the proxy makes itself may come from the other
 * thread: every method holds the lock.
 */
final class Output {
    private static final int CAPACITY = 64 * 1024;
    private final UnixSocket socket;
    private final ByteBuffer bytes = ByteBuffer.allocateDirect(CAPACITY).order(ByteOrder.nativeOrder());
    private final int[] fds = new int[UnixSocket.MAX_FDS_PER_SEND];
    private int fdCount;

    Output(UnixSocket socket) {
        this.socket = socket;
    }

    /** Adds a message (from its position to its limit) and the descriptors it carries, which this now owns. */
    synchronized void add(ByteBuffer message, int[] messageFds) throws IOException {
        if (bytes.remaining() < message.remaining() || fdCount + messageFds.length > fds.length) {
            flush();
        }
        bytes.put(message);
        for (int fd : messageFds) {
            fds[fdCount++] = fd;
        }
    }

    /** Writes what is gathered; the descriptors sent are closed here (the other end has its own now). */
    synchronized void flush() throws IOException {
        if (bytes.position() == 0 && fdCount == 0) {
            return;
        }
        bytes.flip();
        try {
            socket.send(bytes, fds, fdCount);
        } finally {
            bytes.clear();
            for (int i = 0; i < fdCount; i++) {
                FdQueue.close(fds[i]);
            }
            fdCount = 0;
        }
    }
}
