package org.qvm.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects every problem found in one load, so that one run reports them all. */
final class Diagnostics {
    private final List<Diagnostic> found = new ArrayList<>();

    void add(Diagnostic diagnostic) {
        found.add(diagnostic);
    }

    boolean hasErrors() {
        return !found.isEmpty();
    }

    /** Throws the collected problems, in file and line order, if there are any. */
    void throwIfAny() {
        if (hasErrors()) {
            List<Diagnostic> sorted = new ArrayList<>(found);
            sorted.sort(Comparator.comparing((Diagnostic d) -> d.file().toString())
                    .thenComparingInt(Diagnostic::line).thenComparingInt(Diagnostic::column));
            throw new ConfigException(sorted);
        }
    }
}
