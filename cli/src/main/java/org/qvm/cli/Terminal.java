package org.qvm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Facts about where our output goes. */
final class Terminal {
    private Terminal() {
    }

    /** Whether standard output is a terminal (Linux: /proc/self/fd/1 points at a tty device). */
    static boolean stdoutIsTerminal() {
        return isTerminal(1);
    }

    /** Whether standard error is a terminal. */
    static boolean stderrIsTerminal() {
        return isTerminal(2);
    }

    private static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return System.console() != null;
        }
    }

    /** Colour is for terminals, and never when NO_COLOR is set (https://no-color.org) or TERM is dumb. */
    static boolean colourWanted(ColourChoice choice, boolean isTerminal, Map<String, String> environment) {
        return switch (choice) {
            case ALWAYS -> true;
            case NEVER -> false;
            case AUTO -> isTerminal
                    && environment.getOrDefault("NO_COLOR", "").isEmpty()
                    && !"dumb".equals(environment.get("TERM"));
        };
    }

    enum ColourChoice { AUTO, ALWAYS, NEVER }
}
