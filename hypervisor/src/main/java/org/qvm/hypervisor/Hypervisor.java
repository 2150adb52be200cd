package org.qvm.hypervisor;

import java.nio.file.Path;
import java.util.List;

/**
 * One way to run VMs. Like microvm.nix's runners, a hypervisor answers only what differs between
 * hypervisors: its command line, what must run beside it, and how it is controlled (the power
 * button for a graceful shutdown, pause, resume, stop). Everything else (storage, network, the
 * runtime directory, the console log, states, waiting for the guest, undoing a failed start) is
 * done once, for all of them, by the lifecycle. All of it is pure: answers are data.
 */
public interface Hypervisor {
    /** Its name, as in the configuration's {@code hypervisor} key and in messages. */
    String name();

    /** What stands in the way of launching this VM with it on this host (a device it needs is missing). */
    List<String> problems(LaunchSpec spec);

    /** The command that runs the VM; the hypervisor stays in the foreground of that process. */
    List<String> commandLine(LaunchSpec spec);

    /** What must run before the hypervisor starts, for as long as it runs (qemu: a virtiofsd per share). */
    List<Companion> companions(LaunchSpec spec);

    /** The file name of its control socket in the VM's runtime directory. */
    String controlSocketName();

    /**
     * Consecutive arguments of its command line that name the VM's control socket: how its
     * process is found when it was started detached, or by a command that died before recording it.
     */
    List<String> identifyingArguments(Path controlSocket);

    /** The ACPI power button: the guest shuts down cleanly, and the hypervisor exits when it powers off. */
    ControlRequest powerButton(Path controlSocket);

    /** Freezes the VM's vCPUs. */
    ControlRequest pause(Path controlSocket);

    /** Lets frozen vCPUs run again. */
    ControlRequest resume(Path controlSocket);

    /** Ends the VM at once; the guest is not asked. */
    ControlRequest stop(Path controlSocket);
}
