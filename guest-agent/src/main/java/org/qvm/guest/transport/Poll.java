package org.qvm.guest.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** poll(2) on one descriptor: how every bounded wait of ours waits. */
public final class Poll {
    private Poll() {
    }

    /**
     * Waits up to {@code millis} (-1: for ever) for {@code events} on one descriptor; returns its
     * revents, 0 when the time ran out.
     *
     * @throws com.sun.jna.LastErrorException with EINTR when a signal came first
     */
    public static short poll(int fd, short events, int millis) {
        byte[] pollfd = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(fd).putShort(events).putShort((short) 0)
                .array();
        if (LibC.INSTANCE.poll(pollfd, 1, millis) == 0) {
            return 0;
        }
        return ByteBuffer.wrap(pollfd).order(ByteOrder.nativeOrder()).getShort(6);
    }

    /** Milliseconds for poll from nanoseconds (rounded up, so a wait never ends early); -1 for {@link Long#MAX_VALUE}. */
    public static int millis(long nanos) {
        return nanos == Long.MAX_VALUE ? -1 : (int) Math.max(1, Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000));
    }
}
