package org.qvm.guest;

import java.time.Duration;

/**
 * A point in time by which something must be done, on the monotonic clock ({@link System#nanoTime}),
 * or {@link #NONE}. Bounds compose: a step's deadline is the earlier of its own limit and the whole
 * operation's.
 */
public final class Deadline {
    /** No deadline at all. */
    public static final Deadline NONE = new Deadline(Long.MAX_VALUE);

    private final long nanoTime;

    private Deadline(long nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** The deadline {@code limit} from now. */
    public static Deadline in(Duration limit) {
        return new Deadline(System.nanoTime() + limit.toNanos());
    }

    /** The earlier of this deadline and {@code limit} from now. */
    public Deadline atMost(Duration limit) {
        long candidate = System.nanoTime() + limit.toNanos();
        return this == NONE || candidate - nanoTime < 0 ? new Deadline(candidate) : this;
    }

    /** The earlier of the two. */
    public Deadline earlier(Deadline other) {
        if (this == NONE) {
            return other;
        }
        return other == NONE || nanoTime - other.nanoTime <= 0 ? this : other;
    }

    public boolean isNone() {
        return this == NONE;
    }

    /** Whether it has passed (never, for {@link #NONE}). */
    public boolean passed() {
        return this != NONE && System.nanoTime() - nanoTime >= 0;
    }

    /** What is left of it: zero once passed; {@code null} for {@link #NONE}. */
    public Duration remaining() {
        if (this == NONE) {
            return null;
        }
        return Duration.ofNanos(Math.max(0, nanoTime - System.nanoTime()));
    }

    /** As a {@link System#nanoTime} value; {@link Long#MAX_VALUE} for {@link #NONE}. */
    public long nanoTime() {
        return nanoTime;
    }
}
