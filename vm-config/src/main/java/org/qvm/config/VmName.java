package org.qvm.config;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The rule for VM names. A name becomes part of other names with hard limits: the tap device
 * {@code qvm-NAME} (15 bytes at most in Linux), the LVM volume {@code qvm-NAME-private}, the
 * runtime sockets under {@code <state-dir>/NAME/} (108 bytes for a UNIX socket path) and the
 * systemd unit {@code qvm@NAME.service}. So a name is 1 to 11 characters: a lower-case letter
 * first, then lower-case letters, digits or '-', not ending in '-'. {@code host} and {@code dom0}
 * name the host itself (files it sends arrive in a VM's {@code QubesIncoming/host/}; Qubes calls it
 * dom0), so no VM may be called that: a VM could pass its files off as the host's.
 */
public final class VmName {
    public static final int MAX_LENGTH = 11;
    public static final String RULE = "1 to " + MAX_LENGTH
            + " characters: a lower-case letter, then lower-case letters, digits or '-', not ending in '-'";
    /** Names that mean the host, never a VM. */
    public static final java.util.Set<String> RESERVED = java.util.Set.of("host", "dom0");
    private static final Pattern PATTERN = Pattern.compile("[a-z](?:[a-z0-9-]{0," + (MAX_LENGTH - 2) + "}[a-z0-9])?");

    private static final Pattern DISPOSABLE = Pattern.compile("disp[0-9]{1,7}");

    private VmName() {
    }

    /** Names {@code dispN} are disposable VMs' (qvm-run --dispvm picks them): no VM file may take one. */
    public static boolean isDisposable(String name) {
        return DISPOSABLE.matcher(name).matches();
    }

    public static boolean isValid(String name) {
        return PATTERN.matcher(name).matches() && !RESERVED.contains(name);
    }

    /** Why the name is not valid, or empty when it is. */
    public static Optional<String> problem(String name) {
        if (isValid(name)) {
            return Optional.empty();
        }
        if (RESERVED.contains(name)) {
            return Optional.of("'" + name + "' is the host's name, not a VM's (what the host sends a VM arrives from 'host')");
        }
        return Optional.of("'" + name + "' is not a valid VM name: a name is " + RULE);
    }
}
