package org.qvm.config;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The rule for VM names. A name becomes part of other names with hard limits: the tap device
 * {@code qvm-NAME} (15 bytes at most in Linux), the LVM volume {@code qvm-NAME-private}, the
 * runtime sockets under {@code <state-dir>/NAME/} (108 bytes for a UNIX socket path) and the
 * systemd unit {@code qvm@NAME.service}. So a name is 1 to 11 characters: a lower-case letter
 * first, then lower-case letters, digits or '-', not ending in '-'.
 */
public final class VmName {
    public static final int MAX_LENGTH = 11;
    public static final String RULE = "1 to " + MAX_LENGTH
            + " characters: a lower-case letter, then lower-case letters, digits or '-', not ending in '-'";
    private static final Pattern PATTERN = Pattern.compile("[a-z](?:[a-z0-9-]{0," + (MAX_LENGTH - 2) + "}[a-z0-9])?");

    private VmName() {
    }

    public static boolean isValid(String name) {
        return PATTERN.matcher(name).matches();
    }

    /** Why the name is not valid, or empty when it is. */
    public static Optional<String> problem(String name) {
        if (isValid(name)) {
            return Optional.empty();
        }
        return Optional.of("'" + name + "' is not a valid VM name: a name is " + RULE);
    }
}
