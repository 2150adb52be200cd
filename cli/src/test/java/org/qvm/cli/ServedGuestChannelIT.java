package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.qvm.testsupport.HostSandbox;

/**
 * Every guest-channel test again, with qvm-run (and qvm-start) run by a tool server: standard
 * input read only as the command asks, both outputs, exit statuses and Ctrl-C all travel between
 * the tool's client and the server, with the same results as in the tool's own JVM.
 */
class ServedGuestChannelIT extends GuestChannelIT {
    @Override
    void prepare(HostSandbox sandbox) throws Exception {
        sandbox.serveTools();
    }

    /** In its own JVM, a killed qvm-run -p closes the guest channel and the agent hangs the command up; served, too. */
    @Test
    void aKilledClientHangsItsCommandUpAsItsOwnJvmsDeathWould() throws Exception {
        Process run = sandbox.start("qvm-run", "-p", "dev", "echo started; exec sleep 100");
        sandbox.awaitOutput(run, "started", Duration.ofSeconds(30));
        run.destroyForcibly();
        assertTrue(run.waitFor(30, TimeUnit.SECONDS));
        HostSandbox.await("the guest's sleep to be hung up", Duration.ofSeconds(30),
                () -> ran(sandbox, "qvm-run", "-p", "dev", "pgrep -x sleep") == 1);
        assertTrue(sandbox.toolServer().orElseThrow().isAlive(), "the server serves on");
    }

    private static int ran(HostSandbox sandbox, String... command) {
        try {
            return sandbox.run(command[0], java.util.Arrays.copyOfRange(command, 1, command.length)).status();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
