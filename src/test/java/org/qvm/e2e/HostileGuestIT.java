package org.qvm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.qvm.testsupport.HostSandbox;

/**
 * The real tools against guests that misbehave on purpose (the stand-in crosvm's hostile agent,
 * qvm.standin.agent=MODE): a guest that stops answering at any step never hangs a host tool,
 * start-timeout and --timeout are hard deadlines, qvm-kill works at once while another tool is
 * stuck, and nothing a guest says reaches the terminal as an escape sequence.
 */
class HostileGuestIT extends Scenario {
    /** [guest] answer-timeout in these tests. */
    private static final int ANSWER = 2;

    private void hostileVm(String name, String mode, String... moreParams) throws Exception {
        sandbox.vm(name, "kernel-params = \"qvm.standin.agent=" + mode + " " + String.join(" ", moreParams) + "\"\n[network]\n");
    }

    private static long seconds(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos).toSeconds();
    }

    /** The line as a terminal would get it holds no escape, C1 control, bidi override or zero-width character. */
    private static void assertHarmless(String text) {
        text.codePoints().forEach(c -> assertFalse(c < 0x20 && c != '\n' || c == 0x7f || c >= 0x80 && c < 0xa0
                || c >= 0x200b && c <= 0x200f || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069,
                String.format("U+%04X reached the terminal: %s", c, text)));
    }

    @Test
    void qvmStartGivesUpAtItsStartTimeoutWhereverTheGuestFallsSilent() throws Exception {
        sandbox.guestTimeouts(4, 30);
        hostileVm("mute1", "silent-handshake");
        hostileVm("mute2", "silent-hello");
        hostileVm("mute3", "silent-ping");
        long start = System.nanoTime();
        HostSandbox.Run run = sandbox.run("qvm-start", "mute1", "mute2", "mute3");
        // Each ping would wait 30 s for its answer: start-timeout (4 s) ends it first.
        assertTrue(seconds(start) < 20, "qvm-start took " + seconds(start) + " s: " + run.err());
        assertEquals(1, run.status(), run.err());
        for (String vm : new String[] {"mute1", "mute2", "mute3"}) {
            assertTrue(run.err().contains("cannot start " + vm + ": its guest agent did not answer"), run.err());
            assertEquals("Halted", sandbox.stateOf(vm), "not left Starting");
        }
        assertEquals(java.util.List.of(), sandbox.taps(), "each failed start undid itself");
    }

    @Test
    void aSilentGuestEndsQvmRunAndQvmCopyToVmWith125InTime() throws Exception {
        sandbox.guestTimeouts(60, ANSWER);
        hostileVm("hostile", "hostile");
        HostSandbox.assertOk(sandbox.run("qvm-start", "hostile"));
        Path big = dir.resolve("big.bin");
        Files.write(big, new byte[32 << 20]);
        long start = System.nanoTime();
        Process withIo = sandbox.start("qvm-run", "-p", "hostile", "silent please");
        Process detached = sandbox.start("qvm-run", "hostile", "silent please");
        Process copy = sandbox.start("qvm-copy-to-vm", "hostile", big.toString());
        for (Process tool : new Process[] {withIo, detached, copy}) {
            assertTrue(tool.waitFor(60, TimeUnit.SECONDS), "a tool against a silent guest returned");
        }
        assertTrue(seconds(start) < 30, "took " + seconds(start) + " s");
        HostSandbox.Run run = sandbox.finished(withIo);
        assertEquals(125, run.status(), run.err());
        assertTrue(run.err().contains("hostile: the agent (") && run.err().contains("stopped answering"), run.err());
        assertEquals(125, sandbox.finished(detached).status());
        HostSandbox.Run copied = sandbox.finished(copy);
        assertEquals(1, copied.status(), copied.err());
        assertTrue(copied.err().contains("stopped answering: no progress while sending"), copied.err());
        HostSandbox.assertOk(sandbox.run("qvm-kill", "hostile"));
    }

    @Test
    void whatAGuestSaysNeverDrivesTheTerminalAndItsStatusMustBeReal() throws Exception {
        sandbox.guestTimeouts(60, ANSWER);
        hostileVm("hostile", "hostile");
        HostSandbox.assertOk(sandbox.run("qvm-start", "hostile"));
        for (String filter : new String[] {"--filter-escape-chars", "--no-filter-escape-chars"}) {
            HostSandbox.Run run = sandbox.run("qvm-run", "-p", filter, "hostile", "escapes now");
            assertEquals(126, run.status(), run.err());
            assertHarmless(run.err());
            assertTrue(run.err().contains("owned"), "the message is still there to read: " + run.err());
            assertFalse(run.err().contains("\nqvm-run: error: fake"), "a guest cannot forge a line of ours");
        }
        HostSandbox.Run badExit = sandbox.run("qvm-run", "-p", "hostile", "bad-exit");
        assertEquals(125, badExit.status(), "an exit status of -1 is not a success: " + badExit.err());
        HostSandbox.assertOk(sandbox.run("qvm-kill", "hostile"));
    }

    @Test
    void qvmShutdownTimeoutIsAHardDeadline() throws Exception {
        sandbox.guestTimeouts(60, 30);
        hostileVm("deaf", "hostile", "qvm.standin.ignore-powerbtn");
        HostSandbox.assertOk(sandbox.run("qvm-start", "deaf"));
        long start = System.nanoTime();
        HostSandbox.Run shutdown = sandbox.run("qvm-shutdown", "--wait", "--timeout", "3", "deaf");
        // The power-off request alone could wait 30 s for its answer; --timeout 3 ends it.
        assertTrue(seconds(start) < 20, "qvm-shutdown took " + seconds(start) + " s: " + shutdown.err());
        HostSandbox.assertOk(shutdown);
        assertEquals("Halted", sandbox.stateOf("deaf"));
    }

    @Test
    void qvmKillWorksAtOnceWhileAnotherToolIsStuckOnTheGuest() throws Exception {
        hostileVm("mute", "silent-ping");
        Process stuck = sandbox.start("qvm-start", "mute");
        HostSandbox.await("mute's crosvm to be up", Duration.ofSeconds(30),
                () -> Files.exists(sandbox.runtimeDir("mute").resolve("crosvm.sock")));
        long start = System.nanoTime();
        HostSandbox.Run kill = sandbox.run("qvm-kill", "mute");
        HostSandbox.assertOk(kill);
        // qvm-start holds the VM's lock and would wait out its start-timeout of 60 s.
        assertTrue(seconds(start) < 30, "qvm-kill took " + seconds(start) + " s: " + kill.err());
        assertTrue(stuck.waitFor(30, TimeUnit.SECONDS), "the stuck qvm-start fails once the VM is gone");
        HostSandbox.Run failed = sandbox.finished(stuck);
        assertEquals(1, failed.status(), failed.err());
        assertEquals("Halted", sandbox.stateOf("mute"));

        sandbox.guestTimeouts(60, ANSWER);
        hostileVm("hostile", "hostile");
        HostSandbox.assertOk(sandbox.run("qvm-start", "hostile"));
        Process running = sandbox.start("qvm-run", "-p", "hostile", "a-long-command");
        HostSandbox.await("the command to have started", Duration.ofSeconds(30),
                () -> Files.exists(sandbox.runtimeDir("hostile").resolve("hostile-started")));
        HostSandbox.assertOk(sandbox.run("qvm-kill", "hostile"));
        assertTrue(running.waitFor(30, TimeUnit.SECONDS), "a command whose VM is killed ends");
        assertEquals(125, sandbox.finished(running).status());
    }
}
