package org.qvm.lifecycle;

import java.util.Locale;

/** A VM's power state, spelled as Qubes' qvm-ls spells it. */
public enum VmState {
    HALTED, STARTING, RUNNING, PAUSED, HALTING, CRASHED;

    /** "Halted", "Running", ... */
    public String displayName() {
        String lower = name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
    }

    /** Parses a display name, case-insensitively. */
    public static VmState parse(String text) {
        return valueOf(text.strip().toUpperCase(Locale.ROOT));
    }
}
