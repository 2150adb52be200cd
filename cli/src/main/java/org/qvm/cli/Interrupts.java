package org.qvm.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * How Ctrl-C reaches a tool that passes it on, such as qvm-run -p: this JVM's SIGINT, or, for a
 * tool the tool server runs, the SIGINT its client received ({@link ToolServer}).
 */
interface Interrupts {
    /** This JVM's own SIGINT; ending the command ends the JVM. */
    Interrupts JVM = new Interrupts() {
        @Override
        public Object onCtrlC(Runnable action) {
            try {
                return Signal.handle(new Signal("INT"), signal -> action.run());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        @Override
        public void restore(Object previous) {
            if (previous instanceof SignalHandler handler) {
                Signal.handle(new Signal("INT"), handler);
            }
        }

        @Override
        public void exitNow(int status) {
            System.exit(status);
        }

        @Override
        public Object whenEnded(Runnable action) {
            Thread hook = new Thread(action, "qvm-when-ended");
            Runtime.getRuntime().addShutdownHook(hook);
            return hook;
        }

        @Override
        public void forget(Object whenEnded) {
            try {
                Runtime.getRuntime().removeShutdownHook((Thread) whenEnded);
            } catch (IllegalStateException shuttingDown) {
                // The hook runs (or ran) anyway.
            }
        }
    };

    /** Calls {@code action} on Ctrl-C instead of ending the command; returns what to restore. */
    Object onCtrlC(Runnable action);

    /** Puts back what {@link #onCtrlC} replaced. */
    void restore(Object previous);

    /** Ends the command at once with this exit status (what an unhandled Ctrl-C does). */
    void exitNow(int status);

    /**
     * Runs {@code action} if the command is ended from outside (Ctrl-C, SIGTERM, its client gone)
     * or the JVM stops before {@link #forget} is called; returns what to forget.
     */
    Object whenEnded(Runnable action);

    void forget(Object whenEnded);
}
