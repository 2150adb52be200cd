package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qvm.testsupport.HostSandbox.assertOk;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.Digests;
import org.qvm.testsupport.HostSandbox;
import org.qvm.testsupport.Privileged;

/**
 * qvm-run, qvm-copy-to-vm and qvm-move-to-vm end to end: the real bin/ tools, the stand-in crosvm
 * running the real qvm-agent on the hybrid-vsock socket, as root in a private namespace.
 */
class GuestChannelIT {
    @TempDir
    Path dir;
    HostSandbox sandbox;

    @BeforeEach
    void setUp() throws Exception {
        Privileged.requireRoot("ip", "nft", "python3", "mkfs.ext4", "setsid", "unshare", "runuser");
        sandbox = new HostSandbox(dir);
        prepare(sandbox);
        sandbox.vm("dev", "[network]\n");
        sandbox.vm("shopping", "[network]\n");
        assertOk(sandbox.run("qvm-start", "dev"));
    }

    /** What a variant of these tests changes about the host before its VMs are made (the tool server). */
    void prepare(HostSandbox sandbox) throws Exception {
    }

    @AfterEach
    void tearDown() throws Exception {
        if (sandbox == null) {
            return;
        }
        try {
            assertOk(sandbox.run("qvm-shutdown", "--all", "--wait"));
            sandbox.assertNothingRunning();
        } finally {
            sandbox.close();
        }
    }

    @Test
    void bothStreamsAndTheExitStatusComeBack() throws Exception {
        HostSandbox.Run run = sandbox.run("qvm-run", "-p", "dev", "echo hi; echo err >&2; exit 3");
        assertEquals(3, run.status());
        assertEquals("hi\n", run.out());
        assertEquals("err\n", run.err());
        HostSandbox.Run argv = sandbox.run("qvm-run", "-p", "dev", "printf", "%s|", "a b", "-l");
        assertEquals("a b|-l|", argv.out(), "COMMAND ARGS run as they are; options after the VM belong to them");
        assertEquals(127, sandbox.run("qvm-run", "-p", "--no-shell", "dev", "no-such-command").status());
        assertEquals(127, sandbox.run("qvm-run", "-p", "dev", "no-such-command").status(), "the shell says so too");
    }

    @Test
    void a100MiBStreamRoundTripsThroughCat() throws Exception {
        Path input = dir.resolve("input.bin");
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(5);
        try (var out = Files.newOutputStream(input)) {
            for (int i = 0; i < 100; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        Process cat = sandbox.start(input, "qvm-run", "-p", "--no-filter-escape-chars", "dev", "cat");
        assertTrue(cat.waitFor(180, TimeUnit.SECONDS));
        Path output = sandbox.outputOf(cat);
        HostSandbox.Run run = sandbox.finished(cat);
        assertEquals(0, run.status(), run.err());
        assertEquals(Digests.sha256(input), Digests.sha256(output));
    }

    @Test
    void withoutPassIoACommandReturnsAtOnceAndLivesOnInTheGuest() throws Exception {
        assertOk(sandbox.run("qvm-run", "dev", "sleep 1000"));
        HostSandbox.Run ps = sandbox.run("qvm-run", "-p", "dev", "pgrep -x sleep");
        assertEquals(0, ps.status(), "sleep is running in the guest: " + ps.err());
    }

    @Test
    void aHaltedVmIsStartedFirstUnlessTold() throws Exception {
        HostSandbox.Run refused = sandbox.run("qvm-run", "-n", "-p", "shopping", "true");
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("shopping is halted"), refused.err());
        assertOk(sandbox.run("qvm-run", "-p", "shopping", "true"));
        assertEquals("Running", sandbox.stateOf("shopping"));
    }

    /** A closed standard input is an empty one: it is never the tool's own socket or jar that the command reads. */
    @Test
    void aClosedStandardInputIsAnEmptyOne() throws Exception {
        HostSandbox.Run run = sandbox.runWithClosedInput("qvm-run", "-p", "dev", "wc -c; echo done");
        assertEquals(new HostSandbox.Run(0, "0\ndone\n", ""), run);
    }

    @Test
    void ctrlCIsPassedOnAndTheStatusIsNotZero() throws Exception {
        Process run = sandbox.start("qvm-run", "-p", "dev", "echo started; exec sleep 100");
        sandbox.awaitOutput(run, "started", Duration.ofSeconds(30));
        assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(run.pid())).start().waitFor());
        assertTrue(run.waitFor(30, TimeUnit.SECONDS));
        assertEquals(130, run.exitValue());
    }

    @Test
    void aTreeArrivesIdenticalAndMoveRemovesTheSourcesOnlyAfterSuccess() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("outgoing/tree"));
        Files.createDirectories(tree.resolve("sub"));
        Files.writeString(tree.resolve("sub/empty"), "");
        Files.createSymbolicLink(tree.resolve("sub/link"), Path.of("../big.img"));
        try (var big = java.nio.channels.FileChannel.open(tree.resolve("big.img"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            big.write(java.nio.ByteBuffer.wrap("the end".getBytes()), (1L << 30) - 7);
        }
        byte[] random = new byte[5 << 20];
        new Random(9).nextBytes(random);
        Files.write(tree.resolve("random.bin"), random);
        assertOk(sandbox.run("qvm-copy-to-vm", "dev", tree.toString()));
        Path arrived = sandbox.guestHome("dev").resolve("QubesIncoming/host/tree");
        assertEquals(Digests.sha256(tree.resolve("big.img")), Digests.sha256(arrived.resolve("big.img")));
        assertEquals(Digests.sha256(tree.resolve("random.bin")), Digests.sha256(arrived.resolve("random.bin")));
        assertEquals(0, Files.size(arrived.resolve("sub/empty")));
        assertEquals(Path.of("../big.img"), Files.readSymbolicLink(arrived.resolve("sub/link")));

        HostSandbox.Run again = sandbox.run("qvm-move-to-vm", "dev", tree.toString());
        assertEquals(1, again.status());
        assertTrue(again.err().contains("stopped at 'tree/big.img': EEXIST"), again.err());
        assertTrue(Files.exists(tree.resolve("random.bin")), "a failed move removes nothing");

        Path note = Files.writeString(dir.resolve("outgoing/note.txt"), "moved");
        assertOk(sandbox.run("qvm-move-to-vm", "dev", note.toString()));
        assertFalse(Files.exists(note, LinkOption.NOFOLLOW_LINKS));
        assertEquals("moved", Files.readString(sandbox.guestHome("dev").resolve("QubesIncoming/host/note.txt")));
    }

    @Test
    void aDeadAgentGives125AndShutdownStillWorks() throws Exception {
        long crosvm = sandbox.crosvmPid("dev");
        ProcessHandle.of(crosvm).orElseThrow().descendants().filter(p -> p.info().command().orElse("").endsWith("java"))
                .forEach(ProcessHandle::destroyForcibly);
        HostSandbox.Run run = sandbox.run("qvm-run", "-p", "dev", "true");
        assertEquals(125, run.status());
        assertTrue(run.err().contains("qvm-run: error: dev: cannot reach the agent"), run.err());
        assertOk(sandbox.run("qvm-shutdown", "--wait", "--timeout", "5", "dev"));
        assertEquals("Halted", sandbox.stateOf("dev"));
    }
}
