package org.qvm.lifecycle;

import java.nio.file.Path;
import org.qvm.config.HostConfig;

/**
 * A VM's runtime directory, {@code <state-dir>/<vm>/}: crosvm's control socket, the hybrid-vsock
 * socket of the unix transport, the serial console (a FIFO, and the log kept of it), crosvm's own output, the state file,
 * and the mount points of read-only shares. It exists while the VM runs and goes when it stops.
 */
public record RuntimeDir(Path dir) {

    public static RuntimeDir of(HostConfig host, String vmName) {
        return new RuntimeDir(host.runtimeDir(vmName));
    }

    public Path controlSocket() {
        return dir.resolve("crosvm.sock");
    }

    public Path vsockSocket() {
        return dir.resolve("vsock.sock");
    }

    /** The last of the guest's serial console (the one before is {@code console.log.1}; see {@link ConsoleLog}). */
    public Path consoleLog() {
        return dir.resolve("console.log");
    }

    /** The FIFO crosvm writes the serial console into, for {@link ConsoleLog} to keep. */
    public Path consolePipe() {
        return dir.resolve("console.pipe");
    }

    public Path crosvmLog() {
        return dir.resolve("crosvm.log");
    }

    public Path stateFile() {
        return dir.resolve(RuntimeState.STATE_FILE);
    }

    public Path sharesDir() {
        return dir.resolve("shares");
    }
}
