package org.qvm.cli;

import org.qvm.config.Vm;
import org.qvm.lifecycle.VmState;

/** One VM as qvm-ls shows it: its configuration and its current state. */
record VmRow(Vm vm, VmState state) {
}
