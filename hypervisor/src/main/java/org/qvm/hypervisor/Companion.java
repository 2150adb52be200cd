package org.qvm.hypervisor;

import java.nio.file.Path;
import java.util.List;
import org.qvm.plan.Command;

/**
 * A process that runs beside a VM's hypervisor (qemu's virtiofsd for a share, the VM's Wayland
 * proxy): started detached before it, ready once {@code readyWhen} exists, found again by
 * {@code identifyingArguments}, and ended with the VM.
 *
 * @param what                 what it is, for messages: "virtiofsd for the share outbox"
 * @param identifyingArguments consecutive arguments of its command line that only it has (each need
 *                             only be contained in its argument: a program may rewrite them in place)
 * @param readyWhen            a file it makes once it is ready (its socket)
 * @param readyBeforeLaunch    whether the hypervisor needs it ready when it starts (qemu connects to
 *                             virtiofsd at once); otherwise it gets ready while the hypervisor
 *                             starts, and before the VM counts as running (a Wayland proxy, which
 *                             the guest reaches only once it runs an application)
 */
public record Companion(String what, Command command, List<String> identifyingArguments, Path readyWhen,
                        boolean readyBeforeLaunch) {
    public Companion {
        identifyingArguments = List.copyOf(identifyingArguments);
    }

    /** One the hypervisor needs ready when it starts. */
    public Companion(String what, Command command, List<String> identifyingArguments, Path readyWhen) {
        this(what, command, identifyingArguments, readyWhen, true);
    }
}
