package org.qvm.lifecycle;

import java.nio.file.Path;
import org.qvm.config.HostConfig;
import org.qvm.hypervisor.Hypervisor;

/**
 * A VM's runtime directory, {@code <state-dir>/<vm>/}: the hypervisor's control socket
 * ({@code crosvm.sock}, {@code qmp.sock}) and its own output ({@code crosvm.log}, {@code qemu.log}),
 * which hypervisor it is, sockets of virtiofsd, the hybrid-vsock socket of the unix transport, the
 * serial console (a FIFO, and the log kept of it), the state file, and the mount points of
 * read-only shares. It exists while the VM runs and goes when it stops.
 */
public record RuntimeDir(Path dir) {

    public static RuntimeDir of(HostConfig host, String vmName) {
        return new RuntimeDir(host.runtimeDir(vmName));
    }

    public Path controlSocket(Hypervisor hypervisor) {
        return dir.resolve(hypervisor.controlSocketName());
    }

    /** Which hypervisor runs the VM, written before it is launched. */
    public Path hypervisorFile() {
        return dir.resolve("hypervisor");
    }

    public Path vsockSocket() {
        return dir.resolve("vsock.sock");
    }

    /**
     * Where the guest's own connections to the host's {@code port} arrive with the hybrid-vsock
     * transport (Firecracker's convention: {@code vsock.sock_PORT}); qvmd listens there.
     */
    public Path hostPortSocket(long port) {
        return dir.resolve("vsock.sock_" + port);
    }

    /** The last of the guest's serial console (the one before is {@code console.log.1}; see {@link ConsoleLog}). */
    public Path consoleLog() {
        return dir.resolve("console.log");
    }

    /** The FIFO crosvm writes the serial console into, for {@link ConsoleLog} to keep. */
    public Path consolePipe() {
        return dir.resolve("console.pipe");
    }

    /** The hypervisor's own output (and its companions'). */
    public Path hypervisorLog(Hypervisor hypervisor) {
        return dir.resolve(hypervisor.name() + ".log");
    }

    /** Where the VM's Wayland proxy listens, which the hypervisor gets instead of the compositor's socket (virtwl). */
    public Path waylandSocket() {
        return dir.resolve("wayland-0");
    }

    /** The proxy's clipboard control socket (qvm-clipboard), root's only. */
    public Path clipboardSocket() {
        return dir.resolve("clipboard.sock");
    }

    /**
     * The desktop user's directory for a VM whose windows travel by waypipe:
     * {@code <state-dir>/desktop/<vm>/}, theirs, 0700, in a directory only root can list. The
     * proxy listens there ({@code wayland-0}), and so does the VM's waypipe client
     * ({@code waypipe.sock}), which runs as the desktop user.
     */
    public Path desktopDir() {
        return dir.getParent().resolve("desktop").resolve(dir.getFileName());
    }

    public Path waypipeSocket() {
        return desktopDir().resolve("waypipe.sock");
    }

    public Path stateFile() {
        return dir.resolve(RuntimeState.STATE_FILE);
    }

    public Path sharesDir() {
        return dir.resolve("shares");
    }
}
