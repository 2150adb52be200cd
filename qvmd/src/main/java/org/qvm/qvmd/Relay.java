package org.qvm.qvmd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.qvm.guest.transport.GuestSocket;

/**
 * Passes a service's bytes between the calling guest and the target's agent, untouched, both
 * ways: the caller's stream to the target, the target's answer back. It ends when the target has
 * answered and closed, when either side breaks off, or when no byte has moved either way for
 * {@code stall}: then both connections are closed, and each side sees the other go.
 */
final class Relay {
    private static final int BUFFER = 64 * 1024;

    private final GuestSocket caller;
    private final GuestSocket target;
    private final AtomicLong lastProgress = new AtomicLong(System.nanoTime());
    private final AtomicLong forwarded = new AtomicLong();
    private volatile boolean done;
    /** The caller has its answer and the target connection stays for what follows it. */
    private volatile boolean answered;

    /** Reads the target's answer and passes it to the caller; returns whether the target connection is wanted after. */
    interface Answer {
        boolean pass(InputStream fromTarget, OutputStream toCaller) throws IOException;
    }

    private Relay(GuestSocket caller, GuestSocket target) {
        this.caller = caller;
        this.target = target;
    }

    /** Relays until done; returns the bytes passed from the caller to the target. */
    static long relay(GuestSocket caller, GuestSocket target, Duration stall) {
        return run(caller, target, stall, true, relay -> {
            relay.copy(target.input(), caller.output());
            return false;
        }).forwarded.get();
    }

    /**
     * Relays the caller's stream to the target, as {@link #relay}, until the target's answer has
     * been passed on by {@code answer}; then the caller's connection ends and, when the answer
     * says so, the target's stays open for the caller of this method, unbounded. Returns whether
     * it did. A stall ends both. The caller's end (it may close once it has the answer) does not
     * end this relay: the answer, or a stall, does.
     */
    static boolean relayUntilAnswered(GuestSocket caller, GuestSocket target, Duration stall, Answer answer) {
        return run(caller, target, stall, false, relay -> answer.pass(relay.progressing(target.input()), caller.output())).answered;
    }

    /** What the relay's own thread does with the target's side; returns whether the target is kept after. */
    private interface FromTarget {
        boolean pass(Relay relay) throws IOException;
    }

    /**
     * The caller's bytes to the target in a thread (whose end ends the relay when {@code callerEndEnds}),
     * a watchdog, and {@code fromTarget} here; then the caller's connection closes, and the target's
     * unless it is kept.
     */
    private static Relay run(GuestSocket caller, GuestSocket target, Duration stall, boolean callerEndEnds, FromTarget fromTarget) {
        Relay relay = new Relay(caller, target);
        caller.bound(GuestSocket.NO_DEADLINE, null);
        target.bound(GuestSocket.NO_DEADLINE, null);
        Thread toTarget = relay.thread("qvmd-relay", () -> relay.forwarded.set(relay.copy(caller.input(), target.output())),
                callerEndEnds);
        Thread watchdog = relay.thread("qvmd-relay-watchdog", () -> relay.watch(stall));
        try {
            relay.answered = fromTarget.pass(relay);
        } catch (IOException e) {
            // Broken off or stalled; both ends go.
        } finally {
            relay.end();
        }
        join(toTarget, stall);
        join(watchdog, stall);
        return relay;
    }

    /** {@code in}, telling the watchdog of every byte read. */
    private InputStream progressing(InputStream in) {
        return new java.io.FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                lastProgress.set(System.nanoTime());
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                lastProgress.set(System.nanoTime());
                return n;
            }
        };
    }

    private interface Pump {
        void run() throws IOException;
    }

    private Thread thread(String name, Pump pump) {
        return thread(name, pump, true);
    }

    private Thread thread(String name, Pump pump, boolean endsRelay) {
        Thread thread = new Thread(() -> {
            try {
                pump.run();
            } catch (IOException e) {
                // The caller went, or the target stopped taking data.
            } finally {
                if (endsRelay) {
                    end();
                }
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Ends the relay when nothing moved for {@code stall}. */
    private void watch(Duration stall) {
        while (!done) {
            long idle = System.nanoTime() - lastProgress.get();
            if (idle >= stall.toNanos()) {
                answered = false;
                return;
            }
            LockSupport.parkNanos(Math.min(stall.toNanos() - idle, Duration.ofMillis(200).toNanos()));
        }
    }

    private void end() {
        done = true;
        caller.close();
        if (!answered) {
            target.close();
        }
    }

    private long copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            lastProgress.set(System.nanoTime());
            out.write(buffer, 0, n);
            out.flush();
            lastProgress.set(System.nanoTime());
            total += n;
        }
        return total;
    }

    private static void join(Thread thread, Duration limit) {
        try {
            thread.join(limit.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
