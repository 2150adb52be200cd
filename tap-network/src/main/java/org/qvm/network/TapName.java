package org.qvm.network;

import java.util.Optional;
import org.qvm.config.VmName;

/**
 * Names of a VM's network pieces. The tap device is {@code qvm-NAME}: with VM names of at most
 * {@value VmName#MAX_LENGTH} characters it stays within Linux's 15-byte interface names. Its
 * interface alias {@code qvm:NAME} marks it as ours, so a device of that name that someone else
 * made is never taken over or removed.
 */
public final class TapName {
    public static final String PREFIX = "qvm-";
    public static final String ALIAS_PREFIX = "qvm:";

    private TapName() {
    }

    public static String of(String vmName) {
        return PREFIX + vmName;
    }

    /** The alias that marks the VM's tap as created by qvm. */
    public static String alias(String vmName) {
        return ALIAS_PREFIX + vmName;
    }

    /** The VM whose tap this alias marks, if it is one of ours. */
    public static Optional<String> vmOfAlias(String alias) {
        return alias != null && alias.startsWith(ALIAS_PREFIX)
                ? Optional.of(alias.substring(ALIAS_PREFIX.length())) : Optional.empty();
    }
}
