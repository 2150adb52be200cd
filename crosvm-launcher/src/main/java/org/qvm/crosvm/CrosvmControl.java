package org.qvm.crosvm;

import java.nio.file.Path;
import java.time.Duration;
import org.qvm.plan.Command;

/** The crosvm subcommands that act on a running VM through its control socket. */
public final class CrosvmControl {
    /** How long a control request may take; crosvm answers at once or not at all. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private CrosvmControl() {
    }

    private static Command control(String binary, String subcommand, Path socket) {
        return Command.of(binary, subcommand, socket.toString()).withTimeout(TIMEOUT);
    }

    /** ACPI power button: the guest shuts down cleanly and crosvm exits when it powers off. */
    public static Command powerButton(String binary, Path socket) {
        return control(binary, "powerbtn", socket);
    }

    /** crosvm leaves its run loop and exits; the guest is not asked. */
    public static Command stop(String binary, Path socket) {
        return control(binary, "stop", socket);
    }

    /** Freezes the VM's vCPUs. */
    public static Command suspend(String binary, Path socket) {
        return control(binary, "suspend", socket);
    }

    /** Lets frozen vCPUs run again. */
    public static Command resume(String binary, Path socket) {
        return control(binary, "resume", socket);
    }
}
