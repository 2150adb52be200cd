package org.qvm.hypervisor;

import java.nio.file.Path;
import java.util.List;
import org.qvm.plan.Command;

/**
 * A process that runs beside a VM's hypervisor (qemu's virtiofsd for a share): started detached
 * before it, ready once {@code readyWhen} exists, found again by {@code identifyingArguments}, and
 * ended with the VM.
 *
 * @param what                 what it is, for messages: "virtiofsd for the share outbox"
 * @param identifyingArguments consecutive arguments of its command line that only it has (each need
 *                             only be contained in its argument: a program may rewrite them in place)
 * @param readyWhen            a file it makes once it is ready (its socket)
 */
public record Companion(String what, Command command, List<String> identifyingArguments, Path readyWhen) {
    public Companion {
        identifyingArguments = List.copyOf(identifyingArguments);
    }
}
