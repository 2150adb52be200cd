package org.qvm.cli;

import org.qvm.config.Vm;
import org.qvm.lifecycle.VmState;

/**
 * One VM as qvm-ls shows it: its configuration, its current state, and, for a running VM with
 * network, whether its network rules are in place ("ok", "missing", "?" when they cannot be read
 * here; null otherwise).
 */
record VmRow(Vm vm, VmState state, String rules) {
    VmRow(Vm vm, VmState state) {
        this(vm, state, null);
    }
}
