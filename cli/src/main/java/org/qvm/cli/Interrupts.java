package org.qvm.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/** Ctrl-C (SIGINT) handling for tools that pass it on, such as qvm-run -p. */
final class Interrupts {
    private Interrupts() {
    }

    /** Calls {@code action} on SIGINT instead of ending the JVM; returns what to restore. */
    static Object onCtrlC(Runnable action) {
        try {
            return Signal.handle(new Signal("INT"), signal -> action.run());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static void restore(Object previous) {
        if (previous instanceof SignalHandler handler) {
            Signal.handle(new Signal("INT"), handler);
        }
    }
}
