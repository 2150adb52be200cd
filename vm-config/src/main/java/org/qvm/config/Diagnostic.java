package org.qvm.config;

import java.nio.file.Path;

/** One problem in a configuration file, printed as {@code FILE:LINE:COLUMN: message}. */
public record Diagnostic(Path file, int line, int column, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
