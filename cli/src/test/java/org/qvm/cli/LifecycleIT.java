package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qvm.testsupport.HostSandbox.assertOk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.Examples;
import org.qvm.testsupport.HostSandbox;
import org.qvm.testsupport.Privileged;

/**
 * The VM lifecycle with the real bin/ commands, as root, in a private network namespace with the
 * file pool and the stand-in crosvm (src/test/stand-in/crosvm). After every test no tap, no qvm
 * table and no process of the test is left.
 */
class LifecycleIT {
    @TempDir
    Path dir;
    HostSandbox sandbox;

    @BeforeEach
    void setUp() throws Exception {
        Privileged.requireRoot("ip", "nft", "sysctl", "python3", "mkfs.ext4", "setsid", "nsenter");
        sandbox = new HostSandbox(dir);
        prepare(sandbox);
        sandbox.vm("dev", "[network]\n[[share]]\npath = \"" + dir.resolve("share/dev") + "\"\ntag = \"share\"\n");
        sandbox.vm("personal", "label = \"yellow\"\n");
        Files.createDirectories(dir.resolve("share/dev"));
    }

    /** What a variant of these tests changes about the host before its VMs are made (the tool server). */
    void prepare(HostSandbox sandbox) throws Exception {
    }

    @AfterEach
    void tearDown() {
        HostSandbox.closeLeavingNothing(sandbox);
    }

    @Test
    void startListPauseResumeAndShutdownWithWait() throws Exception {
        sandbox.setKernelSetting("net/ipv4/conf/up0/forwarding", "0");
        assertOk(sandbox.run("qvm-start", "dev", "personal"));
        assertEquals(Map.of("dev", "Running", "personal", "Running"), sandbox.states());
        assertEquals("dev|10.0.0.3|3\npersonal|-|4\n",
                sandbox.run("qvm-ls", "--raw-data", "--fields", "name,ip,cid").out());
        assertTrue(sandbox.linkExists("qvm-dev"));
        assertFalse(sandbox.linkExists("qvm-personal"), "no network, no tap");
        // Written by the tool itself (not by sysctl processes): in the VM's namespace, as planned.
        assertEquals(Map.of("disable_ipv6", "1", "forwarding", "1", "rp_filter", "1", "arp_ignore", "1", "arp_announce", "2"),
                Map.of("disable_ipv6", sandbox.kernelSetting("net/ipv6/conf/qvm-dev/disable_ipv6"),
                        "forwarding", sandbox.kernelSetting("net/ipv4/conf/qvm-dev/forwarding"),
                        "rp_filter", sandbox.kernelSetting("net/ipv4/conf/qvm-dev/rp_filter"),
                        "arp_ignore", sandbox.kernelSetting("net/ipv4/conf/qvm-dev/arp_ignore"),
                        "arp_announce", sandbox.kernelSetting("net/ipv4/conf/qvm-dev/arp_announce")), "the tap's settings");
        assertEquals("1", sandbox.kernelSetting("net/ipv4/conf/up0/forwarding"), "the uplink forwards");
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(sandbox.runtimeDir("dev"))), "the runtime directory is root's alone");
        assertTrue(Files.readString(sandbox.runtimeDir("dev").resolve("console.log")).contains("stand-in: up"));
        assertTrue(Files.readString(sandbox.runtimeDir("dev").resolve("console.log"))
                .contains("ip=10.0.0.3::10.0.0.2:255.255.255.254::eth0:off:192.0.2.53"), "the guest is told its address");
        // The console's keeper is the small Python one beside the tools, found by its FIFO and log.
        String fifo = sandbox.runtimeDir("dev").resolve("console.pipe").toString();
        List<String> keeper = ProcessHandle.allProcesses().map(process -> process.info().arguments().map(List::of).orElse(List.of()))
                .filter(arguments -> arguments.contains(fifo)).findFirst().orElseThrow(() -> new AssertionError("no keeper of " + fifo));
        assertEquals(List.of("-I", "-S", Examples.repositoryRoot().resolve("bin/qvm-console-keeper").toString(), fifo,
                sandbox.runtimeDir("dev").resolve("console.log").toString()), keeper);

        assertOk(sandbox.run("qvm-pause", "dev"));
        assertEquals("Paused", sandbox.stateOf("dev"));
        assertEquals(1, sandbox.run("qvm-pause", "dev").status(), "pausing a paused VM is an error");
        assertOk(sandbox.run("qvm-unpause", "dev"));
        assertEquals("Running", sandbox.stateOf("dev"));

        assertOk(sandbox.run("qvm-shutdown", "--wait", "dev", "personal"));
        assertEquals(Map.of("dev", "Halted", "personal", "Halted"), sandbox.states());
        assertFalse(Files.exists(sandbox.runtimeDir("dev")), "runtime directory removed");
        assertFalse(sandbox.linkExists("qvm-dev"));
        assertEquals("0", sandbox.kernelSetting("net/ipv4/conf/up0/forwarding"),
                "the last VM's network gone, the uplink forwards as it did before");
        assertTrue(Files.exists(dir.resolve("volumes/dev-private.img")), "volumes stay");
        assertTrue(Files.exists(dir.resolve("volumes/personal-private.img")));
        assertOk(sandbox.run("qvm-shutdown", "--wait", "dev"));
    }

    @Test
    void shutdownWithoutWaitFinishesInTheBackground() throws Exception {
        assertOk(sandbox.run("qvm-start", "dev"));
        assertOk(sandbox.run("qvm-shutdown", "dev"));
        HostSandbox.await("dev's network and runtime directory to go", Duration.ofSeconds(60),
                () -> !Files.exists(sandbox.runtimeDir("dev")) && !sandbox.tableExists() && sandbox.leftoverProcesses().isEmpty());
        assertEquals("Halted", sandbox.stateOf("dev"));
    }

    @Test
    void aGuestThatIgnoresThePowerButtonIsStoppedAfterTheTimeout() throws Exception {
        sandbox.vm("dev", "agent = \"none\"\nkernel-params = \"qvm.standin.ignore-powerbtn\"\n[network]\n");
        assertOk(sandbox.run("qvm-start", "dev"));
        HostSandbox.Run shutdown = sandbox.run("qvm-shutdown", "--wait", "--timeout", "1", "-v", "dev");
        assertOk(shutdown);
        assertTrue(shutdown.err().contains("still running after 1 s; stopping it"), shutdown.err());
        assertEquals("Halted", sandbox.stateOf("dev"));
    }

    /** What qvm@.service runs: the VM's logs on standard output, cleanup and crosvm's status at the end. */
    @Test
    void inTheForegroundTheToolStaysWithTheVmUntilItStops() throws Exception {
        Process foreground = sandbox.start("qvm-start", "--foreground", "dev");
        sandbox.awaitOutput(foreground, "console: stand-in: up", Duration.ofSeconds(60));
        assertEquals("Running", sandbox.stateOf("dev"));
        assertOk(sandbox.run("qvm-shutdown", "--wait", "dev"));
        assertTrue(foreground.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, foreground.exitValue(), "a shut-down VM is not a failure (no restart)");
        assertTrue(sandbox.finished(foreground).out().contains("console: reboot: Power down"));

        Process again = sandbox.start("qvm-start", "--foreground", "dev");
        HostSandbox.await("dev to run again", Duration.ofSeconds(60), () -> {
            try {
                return "Running".equals(sandbox.stateOf("dev"));
            } catch (Exception e) {
                return false;
            }
        });
        ProcessHandle.of(sandbox.crosvmPid("dev")).orElseThrow().destroyForcibly();
        assertTrue(again.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(137, again.exitValue(), "a crosvm that died is a failure (systemd restarts it)");
        assertEquals("Halted", sandbox.stateOf("dev"), "and was cleaned up");
        assertFalse(sandbox.linkExists("qvm-dev"));
    }

    @Test
    void killStopsAtOnceAndCleansUp() throws Exception {
        assertOk(sandbox.run("qvm-start", "dev"));
        long pid = sandbox.crosvmPid("dev");
        assertOk(sandbox.run("qvm-kill", "dev"));
        assertFalse(HostSandbox.running(pid));
        assertEquals("Halted", sandbox.stateOf("dev"));
        assertFalse(sandbox.linkExists("qvm-dev"));
    }

    @Test
    void aCrosvmThatExitsAtOnceIsRolledBackWithItsLogInTheError() throws Exception {
        Path failing = dir.resolve("failing-crosvm");
        Files.writeString(failing, "#!/bin/sh\necho 'crosvm: failed to open /dev/kvm: No such file or directory' >&2\nexit 1\n");
        failing.toFile().setExecutable(true);
        sandbox.writeHost("root", failing.toString());
        HostSandbox.Run start = sandbox.run("qvm-start", "dev");
        assertEquals(1, start.status());
        // Depending on when it is seen: "crosvm exited at once" or "crosvm exited before the VM came up".
        assertTrue(start.err().contains("cannot start dev: crosvm exited"), start.err());
        assertTrue(start.err().contains("crosvm: failed to open /dev/kvm"), "the log's tail: " + start.err());
        assertEquals("Halted", sandbox.stateOf("dev"));
        assertFalse(sandbox.linkExists("qvm-dev"), "the network this start set up is gone");
        assertTrue(Files.exists(dir.resolve("volumes/dev-private.img")), "the volume stays");
    }

    @Test
    void aTapThatCannotBeCreatedStopsTheStartAndLeavesNothing() throws Exception {
        sandbox.writeHost("no-such-user-here");
        HostSandbox.Run start = sandbox.run("qvm-start", "dev");
        assertEquals(1, start.status());
        assertTrue(start.err().contains("dev: cannot start dev at step network: command failed: ip -batch - with input: "
                + "tuntap add dev qvm-dev mode tap vnet_hdr user no-such-user-here; "), start.err());
        assertEquals("Halted", sandbox.stateOf("dev"));
        assertFalse(Files.exists(sandbox.runtimeDir("dev")), "the runtime directory the start made is gone");
    }

    @Test
    void aKilledCrosvmShowsCrashedAndTheNextStartCleansUp() throws Exception {
        assertOk(sandbox.run("qvm-start", "dev"));
        long pid = sandbox.crosvmPid("dev");
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        HostSandbox.await("crosvm to die", Duration.ofSeconds(10), () -> !HostSandbox.running(pid));
        assertEquals("Crashed", sandbox.stateOf("dev"));
        assertOk(sandbox.run("qvm-start", "dev"));
        assertEquals("Running", sandbox.stateOf("dev"));
        assertTrue(sandbox.crosvmPid("dev") != pid);
        assertOk(sandbox.run("qvm-shutdown", "--wait", "dev"));
    }

    /** A qvm-start that died after launching crosvm left the state at Starting. */
    @Test
    void aStartInterruptedAfterTheLaunchIsFinishedByTheNextStart() throws Exception {
        assertOk(sandbox.run("qvm-start", "dev"));
        long pid = sandbox.crosvmPid("dev");
        Path state = sandbox.runtimeDir("dev").resolve("state");
        Files.writeString(state, Files.readString(state).replaceFirst("^Running", "Starting"));
        assertEquals("Starting", sandbox.stateOf("dev"));
        assertOk(sandbox.run("qvm-start", "dev"));
        assertEquals("Running", sandbox.stateOf("dev"));
        assertEquals(pid, sandbox.crosvmPid("dev"), "the same crosvm, adopted");
        assertOk(sandbox.run("qvm-shutdown", "--wait", "dev"));
    }

    /** A qvm-start that died between launching crosvm and recording its PID: the next start finds that crosvm. */
    @Test
    void aStartInterruptedBeforeRecordingThePidAdoptsTheCrosvmItLaunched() throws Exception {
        assertOk(sandbox.run("qvm-start", "dev"));
        long pid = sandbox.crosvmPid("dev");
        Files.writeString(sandbox.runtimeDir("dev").resolve("state"), "Starting\n");
        assertEquals("Starting", sandbox.stateOf("dev"));
        assertOk(sandbox.run("qvm-start", "dev"));
        assertEquals("Running", sandbox.stateOf("dev"));
        assertEquals(pid, sandbox.crosvmPid("dev"), "the same crosvm, found by its control socket");
        Files.writeString(sandbox.runtimeDir("dev").resolve("state"), "Starting\n");
        assertOk(sandbox.run("qvm-kill", "dev"));
        assertFalse(HostSandbox.running(pid), "qvm-kill finds it too");
    }

    /** A qvm-start that died before launching crosvm left its network up and a Starting state without a process. */
    @Test
    void aStartInterruptedBeforeTheLaunchIsCleanedUpAndDoneAgain() throws Exception {
        assertOk(sandbox.run("qvm-start", "dev"));
        long pid = sandbox.crosvmPid("dev");
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        HostSandbox.await("crosvm to die", Duration.ofSeconds(10), () -> !HostSandbox.running(pid));
        Files.writeString(sandbox.runtimeDir("dev").resolve("state"), "Starting\n");
        assertOk(sandbox.run("qvm-start", "dev"));
        assertEquals("Running", sandbox.stateOf("dev"));
        assertOk(sandbox.run("qvm-shutdown", "--wait", "dev"));
    }

    @Test
    void twoStartsAtOnceGiveExactlyOneCrosvm() throws Exception {
        Process first = sandbox.start("qvm-start", "dev");
        Process second = sandbox.start("qvm-start", "dev");
        assertTrue(first.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(second.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        HostSandbox.Run a = sandbox.finished(first);
        HostSandbox.Run b = sandbox.finished(second);
        assertEquals(List.of(0, 1), List.of(a.status(), b.status()).stream().sorted().toList(), a.err() + b.err());
        assertTrue((a.err() + b.err()).contains("dev is already running"), a.err() + b.err());
        assertEquals(1, sandbox.leftoverProcesses().stream()
                .filter(p -> p.info().commandLine().orElse("").contains("crosvm --extended-status run")).count());
        assertOk(sandbox.run("qvm-start", "--skip-if-running", "dev"));
        assertOk(sandbox.run("qvm-shutdown", "--wait", "dev"));
    }

    @Test
    void allExampleVmsStartInParallelAndStopTogether() throws Exception {
        sandbox.exampleVms();
        assertOk(sandbox.run("qvm-start", "--all"));
        Map<String, String> states = sandbox.states();
        assertEquals(6, states.size());
        states.forEach((vm, state) -> assertEquals("Running", state, vm));
        assertOk(sandbox.run("qvm-shutdown", "--all", "--wait"));
        sandbox.states().forEach((vm, state) -> assertEquals("Halted", state, vm));
    }

    @Test
    void aReadOnlyShareIsReallyReadOnly() throws Exception {
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        Files.writeString(outbox.resolve("letter.txt"), "hello");
        sandbox.vm("dev", "[[share]]\npath = \"" + outbox + "\"\ntag = \"outbox\"\nread-only = true\n");
        assertOk(sandbox.run("qvm-start", "dev"));
        long pid = sandbox.crosvmPid("dev");
        Path mountPoint = sandbox.runtimeDir("dev").resolve("shares/outbox");
        String inside = "nsenter --target " + pid + " --mount --";
        assertEquals("hello", sandbox.host.run("nsenter", "--target", Long.toString(pid), "--mount", "--",
                "cat", mountPoint.resolve("letter.txt").toString()).stdout(), "crosvm sees the files (" + inside + ")");
        var write = sandbox.host.attempt("nsenter", "--target", Long.toString(pid), "--mount", "--",
                "touch", mountPoint.resolve("new").toString());
        assertFalse(write.succeeded());
        assertTrue(write.stderr().contains("Read-only file system"), write.stderr());
        assertOk(sandbox.run("qvm-shutdown", "--wait", "dev"));
        assertFalse(Files.exists(outbox.resolve("new")));
    }
}
