package org.qvm.qvmd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.qvm.guest.filecopy.CopyResult;
import org.qvm.guest.protocol.Frame;
import org.qvm.guest.protocol.FrameReader;
import org.qvm.guest.protocol.FrameType;
import org.qvm.guest.protocol.FrameWriter;
import org.qvm.guest.protocol.Payloads;
import org.qvm.guest.transport.GuestSocket;
import org.qvm.lifecycle.DisposableVm;

/**
 * qubes.OpenInDVM once it is allowed: the caller's file (or URL) goes to the new disposable's
 * agent as an OPEN_FILE_AND_WAIT (OPEN_URL_AND_WAIT); the caller gets the answer up to STARTED and
 * is done, while the disposable lives on until its viewer exits, then is removed with everything
 * it had. Removed as well when anything fails on the way, and when qvmd stops ({@link #closeAll}).
 */
final class DisposableOpen {
    /** How many disposables one VM's calls may have open at once. */
    static final int PER_VM = 4;

    /** The disposables open now, and the VM whose call each is for. */
    private final java.util.Map<DisposableVm, String> open = new java.util.concurrent.ConcurrentHashMap<>();
    private final Consumer<String> log;

    DisposableOpen(Consumer<String> log) {
        this.log = log;
    }

    /**
     * Passes the caller's stream and the agent's answer; returns at once, leaving a thread that
     * waits for the viewer and removes the disposable.
     */
    void serve(GuestSocket caller, GuestSocket agent, boolean url, Duration stall, DisposableVm disposable, String source) {
        open.put(disposable, source);
        boolean started = false;
        try {
            started = Relay.relayUntilAnswered(caller, agent, stall, url ? DisposableOpen::started : DisposableOpen::copiedThenStarted);
        } finally {
            if (!started) {
                agent.close();
                remove(disposable, "for " + source + ": nothing was opened");
            }
        }
        if (started) {
            log.accept(disposable.name() + " (a disposable for " + source + "): opened; it stays until the viewer exits");
            Thread waiting = new Thread(() -> awaitViewer(agent, disposable, source), "qvmd-" + disposable.name());
            waiting.setDaemon(true);
            waiting.start();
        }
    }

    /** A file: the copy's result, then (after a success) STARTED or ERROR. */
    private static boolean copiedThenStarted(InputStream agent, OutputStream caller) throws IOException {
        CopyResult result = CopyResult.read(agent);
        result.write(caller);
        caller.flush();
        return result.succeeded() && started(agent, caller);
    }

    /** STARTED or ERROR, passed on; whether it was STARTED. */
    private static boolean started(InputStream agent, OutputStream caller) throws IOException {
        Frame answer = new FrameReader(agent).expect(FrameType.STARTED, FrameType.ERROR);
        new FrameWriter(caller).write(answer.type(), answer.payload());
        return answer.type() == FrameType.STARTED;
    }

    /** Waits, as long as the viewer runs, for the agent's EXIT (or the connection's end); then removes the disposable. */
    private void awaitViewer(GuestSocket agent, DisposableVm disposable, String source) {
        String how;
        try (agent) {
            Frame end = new FrameReader(agent.input()).expect(FrameType.EXIT, FrameType.ERROR);
            how = end.type() == FrameType.EXIT ? "the viewer exited (status " + Payloads.i32(end.payload()) + ")"
                    : "the viewer failed";
        } catch (IOException e) {
            how = "its agent went (" + e.getMessage() + ")";
        }
        remove(disposable, "for " + source + ": " + how);
    }

    /** Removes the disposable (closed, with everything it had), saying why in the log. */
    void remove(DisposableVm disposable, String why) {
        try {
            disposable.close();
            log.accept(disposable.name() + " (a disposable " + why + "): removed");
        } catch (IOException | RuntimeException e) {
            log.accept(disposable.name() + " (a disposable " + why + "): could not be removed: " + e);
        } finally {
            open.remove(disposable);
        }
    }

    /** Whether {@code source}'s calls have {@link #PER_VM} disposables open already. */
    boolean full(String source) {
        return open.values().stream().filter(source::equals).count() >= PER_VM;
    }

    /** Removes every disposable still open (qvmd stops). */
    void closeAll() {
        for (DisposableVm disposable : List.copyOf(open.keySet())) {
            remove(disposable, "still open when qvmd stopped");
        }
    }
}
