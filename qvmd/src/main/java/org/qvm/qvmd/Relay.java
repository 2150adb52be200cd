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

    private Relay(GuestSocket caller, GuestSocket target) {
        this.caller = caller;
        this.target = target;
    }

    /** Relays until done; returns the bytes passed from the caller to the target. */
    static long relay(GuestSocket caller, GuestSocket target, Duration stall) {
        Relay relay = new Relay(caller, target);
        caller.bound(GuestSocket.NO_DEADLINE, null);
        target.bound(GuestSocket.NO_DEADLINE, null);
        Thread toTarget = relay.thread("qvmd-relay", () -> relay.forwarded.set(relay.copy(caller.input(), target.output())));
        Thread watchdog = relay.thread("qvmd-relay-watchdog", () -> relay.watch(stall));
        try {
            relay.copy(target.input(), caller.output());
        } catch (IOException e) {
            // Broken off; the caller sees its connection end.
        } finally {
            relay.end();
        }
        join(toTarget, stall);
        join(watchdog, stall);
        return relay.forwarded.get();
    }

    private interface Pump {
        void run() throws IOException;
    }

    private Thread thread(String name, Pump pump) {
        Thread thread = new Thread(() -> {
            try {
                pump.run();
            } catch (IOException e) {
                // The caller went, or the target stopped taking data.
            } finally {
                end();
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
                return;
            }
            LockSupport.parkNanos(Math.min(stall.toNanos() - idle, Duration.ofMillis(200).toNanos()));
        }
    }

    private void end() {
        done = true;
        caller.close();
        target.close();
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
