package org.qvm.qemu;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.qvm.guest.Deadline;
import org.qvm.hypervisor.ControlException;
import org.qvm.hypervisor.ControlRequest;
import org.qvm.plan.CommandRunner;

/**
 * A QMP command for a running qemu, sent on its control socket: {@code system_powerdown} (the
 * power button), {@code stop} and {@code cont} (pause), {@code quit}.
 */
public record QmpRequest(Path controlSocket, String command) implements ControlRequest {
    /** qemu answers QMP at once; one that does not in this time is stuck. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Override
    public String render() {
        return "# QMP on " + controlSocket + ": {\"execute\": \"" + command + "\"}";
    }

    @Override
    public void send(CommandRunner runner) {
        try (QmpClient qmp = QmpClient.connect(controlSocket, Deadline.in(TIMEOUT))) {
            qmp.execute(command);
        } catch (java.io.EOFException e) {
            if (!command.equals("quit")) {
                throw new ControlException("QMP " + command + ": " + e.getMessage(), e);
            }
            // quit: qemu may close the connection before its answer; it is ending, which was asked.
        } catch (IOException e) {
            throw new ControlException("QMP " + command + " on " + controlSocket + " failed: " + e.getMessage(), e);
        }
    }
}
