package org.qvm.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.qvm.config.HostConfig;

/**
 * Reads a VM's state from its runtime directory, {@code <state-dir>/<vm>/state}. No directory or
 * no file means the VM is halted.
 */
public final class RuntimeState {
    public static final String STATE_FILE = "state";
    private static final int MAX_STATE_BYTES = 4096;

    private final HostConfig host;

    public RuntimeState(HostConfig host) {
        this.host = host;
    }

    public VmState stateOf(String vmName) {
        Path file = host.runtimeDir(vmName).resolve(STATE_FILE);
        try {
            if (Files.size(file) > MAX_STATE_BYTES) {
                return VmState.CRASHED;
            }
            String text = Files.readString(file);
            String first = text.lines().findFirst().orElse("").strip();
            return first.isEmpty() ? VmState.HALTED : VmState.parse(first.split("\\s+")[0]);
        } catch (NoSuchFileException e) {
            return VmState.HALTED;
        } catch (IOException | IllegalArgumentException e) {
            // Unreadable or damaged runtime state: the VM cannot be trusted to be running normally.
            return VmState.CRASHED;
        }
    }
}
