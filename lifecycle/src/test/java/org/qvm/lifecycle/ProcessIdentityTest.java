package org.qvm.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessIdentityTest {
    @Test
    void aRunningProcessIsAliveAndAnotherWithItsPidIsNot() throws Exception {
        ProcessIdentity self = ProcessIdentity.of(ProcessHandle.current().pid()).orElseThrow();
        assertTrue(self.isAlive());
        assertFalse(new ProcessIdentity(self.pid(), self.startTime() + 1, self.bootId()).isAlive(), "another start time");
        assertFalse(new ProcessIdentity(self.pid(), self.startTime(), "another boot").isAlive());
    }

    @Test
    void aProcessIsFoundByConsecutiveArgumentsOnly() throws Exception {
        String socket = "/run/qvm-test-" + UUID.randomUUID() + "/crosvm.sock";
        // "; true" keeps the shell (and its arguments) instead of letting it exec sleep; the
        // subshell "( sleep 100 )" forks a copy with the same command line, not leading the session.
        Process process = new ProcessBuilder("setsid", "sh", "-c", "(sleep 100; true) & sleep 100; true", "stand-in",
                "--socket", socket).start();
        try {
            Optional<ProcessIdentity> found = ProcessIdentity.sessionLeaderWithArguments(List.of("--socket", socket));
            assertEquals(Optional.of(process.pid()), found.map(ProcessIdentity::pid));
            assertEquals(Optional.empty(), ProcessIdentity.sessionLeaderWithArguments(List.of("stand-in", socket)),
                    "not one after the other");
            assertEquals(Optional.empty(), ProcessIdentity.sessionLeaderWithArguments(List.of("--socket", socket + "x")));
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(Optional.empty(), ProcessIdentity.sessionLeaderWithArguments(List.of("--socket", socket)),
                "gone with the process");
    }
}
