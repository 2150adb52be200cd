package org.qvm.hypervisor;

import org.qvm.plan.CommandRunner;

/**
 * A request to a running hypervisor: a control command (crosvm) or a message on its control
 * socket (qemu's QMP). Data, like a plan's commands: {@code --dry-run} prints it, and sending it
 * is bounded in time.
 */
public interface ControlRequest {
    /** As {@code --dry-run} shows it: one line. */
    String render();

    /**
     * Sends it and waits for the answer.
     *
     * @throws ControlException if the hypervisor cannot be reached, refuses, or does not answer in time
     */
    void send(CommandRunner runner);
}
