package org.qvm.hypervisor;

import org.qvm.plan.Command;
import org.qvm.plan.CommandFailedException;
import org.qvm.plan.CommandRunner;

/** A control request that is a command of the hypervisor's own ({@code crosvm powerbtn SOCKET}). */
public record ControlCommand(Command command) implements ControlRequest {
    @Override
    public String render() {
        return command.render();
    }

    @Override
    public void send(CommandRunner runner) {
        try {
            runner.check(command);
        } catch (CommandFailedException e) {
            throw new ControlException(e.getMessage(), e);
        }
    }
}
