package org.qvm.wayland.wire;

import java.io.IOException;

/**
 * The file descriptors that came with a connection's bytes and wait for the messages that carry
 * them, in order; bounded, so a peer cannot make the proxy hold descriptors without end.
 */
public final class FdQueue {
    public static final int LIMIT = 1024;
    private final int[] fds = new int[LIMIT];
    private int head;
    private int size;

    void add(int fd) throws IOException {
        if (size == LIMIT) {
            UnixSocket.closeQuietly(fd);
            throw new IOException("more than " + LIMIT + " file descriptors wait for their messages");
        }
        fds[(head + size) % LIMIT] = fd;
        size++;
    }

    public int size() {
        return size;
    }

    /** The next descriptor; the caller owns it. */
    public int take() {
        if (size == 0) {
            throw new IllegalStateException("no file descriptor waits");
        }
        int fd = fds[head];
        head = (head + 1) % LIMIT;
        size--;
        return fd;
    }

    /** Closes every descriptor still waiting. */
    public void closeAll() {
        while (size > 0) {
            UnixSocket.closeQuietly(take());
        }
    }

    /** Closes a descriptor the proxy does not pass on. */
    public static void close(int fd) {
        UnixSocket.closeQuietly(fd);
    }
}
