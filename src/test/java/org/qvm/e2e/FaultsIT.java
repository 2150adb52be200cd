package org.qvm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qvm.plan.Command;
import org.qvm.plan.ProcessRunner;
import org.qvm.testsupport.HostSandbox;

/**
 * What goes wrong on a real desktop, with the real bin/ commands: a hypervisor killed under a
 * running VM, a qvm-start killed half-way, a dead guest agent, a full disk, a broken host file.
 * After each, the next ordinary command puts things right and nothing is left behind.
 */
class FaultsIT extends Scenario {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @BeforeEach
    void theArticlesVms() throws Exception {
        sandbox.exampleVms();
    }

    private static void awaitDeath(long pid) {
        HostSandbox.await("process " + pid + " to die", LIMIT,
                () -> !HostSandbox.running(pid));
    }

    /** The crosvm processes running for a VM (found by their control socket). */
    private List<ProcessHandle> crosvms(String vm) {
        String socket = sandbox.runtimeDir(vm).resolve("crosvm.sock").toString();
        return sandbox.leftoverProcesses().stream()
                .filter(p -> p.info().arguments().map(List::of).orElse(List.of()).contains(socket)).toList();
    }

    @Test
    void aKilledCrosvmCrashesItsVmOnlyAndTheNextStartCleansUp() throws Exception {
        HostSandbox.assertOk(sandbox.run("qvm-start", "dev", "shopping", "personal"));
        long shopping = sandbox.crosvmPid("shopping");
        ProcessHandle.of(shopping).orElseThrow().destroyForcibly();
        awaitDeath(shopping);

        assertEquals(Map.of("dev", "Running", "shopping", "Crashed", "personal", "Running"),
                Map.of("dev", sandbox.stateOf("dev"), "shopping", sandbox.stateOf("shopping"), "personal", sandbox.stateOf("personal")));
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "true"));
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "personal", "true"));
        assertTrue(sandbox.tableExists(), "dev's network is untouched");

        HostSandbox.Run restart = sandbox.run("qvm-start", "-v", "shopping");
        HostSandbox.assertOk(restart);
        assertTrue(restart.err().contains("shopping: cleaning up after the last run (Crashed)"), restart.err());
        assertEquals("Running", sandbox.stateOf("shopping"));
        assertNotEquals(shopping, sandbox.crosvmPid("shopping"));
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "shopping", "true"));
        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--all", "--wait"));
    }

    /** What reloading the distribution's nftables service does to running VMs, and how it is noticed and put right. */
    @Test
    void aFlushedRulesetIsNoticedAndPutBack() throws Exception {
        HostSandbox.assertOk(sandbox.run("qvm-start", "dev", "shopping", "personal"));
        assertEquals(Map.of("dev", List.of("ok"), "shopping", List.of("ok"), "personal", List.of("-"), "com", List.of("-")),
                Map.of("dev", sandbox.ls("rules").get("dev"), "shopping", sandbox.ls("rules").get("shopping"),
                        "personal", sandbox.ls("rules").get("personal"), "com", sandbox.ls("rules").get("com")));

        sandbox.host.run("nft", "flush", "ruleset");
        HostSandbox.Run table = sandbox.run("qvm-ls");
        HostSandbox.assertOk(table);
        assertTrue(table.out().lines().findFirst().orElse("").endsWith("RULES"), "the column appears: " + table.out());
        assertTrue(table.out().lines().anyMatch(line -> line.startsWith("dev ") && line.endsWith("missing")), table.out());
        assertTrue(table.err().contains("qvm-ls: warning: dev, shopping run without its network rules"), table.err());
        assertTrue(table.err().contains("qvm-start --skip-if-running dev shopping"), table.err());

        HostSandbox.Run skip = sandbox.run("qvm-start", "-v", "--skip-if-running", "dev");
        HostSandbox.assertOk(skip);
        assertTrue(skip.err().contains("dev: its network rules were missing; put back"), skip.err());
        assertEquals(List.of("ok"), sandbox.ls("rules").get("dev"));
        assertEquals(List.of("missing"), sandbox.ls("rules").get("shopping"));

        HostSandbox.assertOk(sandbox.run("qvm-start", "--all", "--rules-only"));
        assertEquals(List.of("ok"), sandbox.ls("rules").get("shopping"));
        assertEquals("Halted", sandbox.stateOf("com"), "--rules-only starts nothing");
        HostSandbox.Run clean = sandbox.run("qvm-ls");
        assertEquals("", clean.err(), "no warning once the rules are back");
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "true"));
        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--all", "--wait"));
    }

    /** A guest that writes far more to its console than the host keeps: the state directory is not filled. */
    @Test
    void aFloodedConsoleKeepsOnlyItsLastMebibytes() throws Exception {
        sandbox.vm("noisy", "kernel-params = \"qvm.standin.console-flood=12\"\n");
        HostSandbox.assertOk(sandbox.run("qvm-start", "noisy"));
        Path console = sandbox.runtimeDir("noisy").resolve("console.log");
        HostSandbox.await("the flood to be over", LIMIT, () -> {
            try {
                return Files.readString(console).endsWith("flood done\n");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        long kept = Files.size(console) + Files.size(console.resolveSibling("console.log.1"));
        assertTrue(kept <= 2L << 20, "12 MiB written, " + kept + " bytes kept");
        String older = Files.readString(console.resolveSibling("console.log.1"));
        assertFalse(older.contains("Linux version stand-in") || Files.readString(console).contains("Linux version stand-in"),
                "the oldest lines went first");
        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--wait", "noisy"));
    }

    /** Killed once its network is up: the next qvm-start finishes the job (adopting crosvm if it got that far). */
    @Test
    void aQvmStartKilledHalfWayIsRepairedByTheNextStart() throws Exception {
        Process start = sandbox.start("qvm-start", "dev");
        HostSandbox.await("dev's tap", LIMIT, () -> sandbox.linkExists("qvm-dev"));
        start.destroyForcibly();
        assertTrue(start.waitFor(30, TimeUnit.SECONDS));
        String interrupted = sandbox.stateOf("dev");
        assertTrue(List.of("Halted", "Starting").contains(interrupted), interrupted);

        HostSandbox.assertOk(sandbox.run("qvm-start", "dev"));
        assertEquals("Running", sandbox.stateOf("dev"));
        assertEquals(1, crosvms("dev").size(), "exactly one crosvm for dev");
        assertEquals(List.of("qvm-dev"), sandbox.taps());
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "true"));
        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--wait", "dev"));
        assertEquals(List.of(), EndToEnd.vmRuntimeDirectories(sandbox));
    }

    /** Killed after launching crosvm, before the guest answered: qvm-shutdown finds that crosvm and stops it. */
    @Test
    void aQvmStartKilledAfterTheLaunchIsRepairedByTheNextShutdown() throws Exception {
        Process start = sandbox.start("qvm-start", "dev");
        HostSandbox.await("dev's crosvm", LIMIT, () -> !crosvms("dev").isEmpty());
        start.destroyForcibly();
        assertTrue(start.waitFor(30, TimeUnit.SECONDS));
        assertEquals("Starting", sandbox.stateOf("dev"));

        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--wait", "--timeout", "10", "dev"));
        assertEquals("Halted", sandbox.stateOf("dev"));
        assertEquals(List.of(), crosvms("dev"));
        assertEquals(List.of(), EndToEnd.vmRuntimeDirectories(sandbox));
    }

    @Test
    void aDeadAgentGives125AndShutdownStillWorksThroughCrosvm() throws Exception {
        HostSandbox.assertOk(sandbox.run("qvm-start", "dev", "shopping"));
        ProcessHandle.of(sandbox.crosvmPid("dev")).orElseThrow().descendants()
                .filter(p -> p.info().command().orElse("").endsWith("java")).forEach(ProcessHandle::destroyForcibly);

        HostSandbox.Run run = sandbox.run("qvm-run", "-p", "dev", "true");
        assertEquals(125, run.status());
        assertTrue(run.err().contains("qvm-run: error: dev: cannot reach the agent"), run.err());
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "shopping", "true"));

        HostSandbox.Run shutdown = sandbox.run("qvm-shutdown", "-v", "--all", "--wait", "--timeout", "10");
        HostSandbox.assertOk(shutdown);
        assertTrue(shutdown.err().contains("dev: the agent did not take the power-off"), shutdown.err());
        assertEquals("Halted", sandbox.stateOf("dev"));
        assertEquals("Halted", sandbox.stateOf("shopping"));
    }

    /** The file pool's disk fills up while a new VM's volume is made: a clear error, nothing half-made left. */
    @Test
    void aFullDiskWhileMakingAVolumeFailsCleanly() throws Exception {
        ProcessRunner runner = new ProcessRunner();
        Path volumes = Files.createDirectories(dir.resolve("volumes"));
        runner.check(Command.of("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "qvm-test-full", volumes.toString()));
        try {
            HostSandbox.Run start = sandbox.run("qvm-start", "dev");
            assertEquals(1, start.status(), start.err());
            assertTrue(start.err().contains("cannot start dev at step storage"), start.err());
            assertTrue(start.err().contains("mkfs.ext4") && start.err().contains("No space left on device"), start.err());
            try (Stream<Path> left = Files.list(volumes)) {
                assertEquals(List.of(), left.toList(), "no volume, no half-made volume");
            }
            assertEquals("Halted", sandbox.stateOf("dev"));
            assertEquals(List.of(), sandbox.taps());
            assertEquals(List.of(), EndToEnd.vmRuntimeDirectories(sandbox));
        } finally {
            runner.check(Command.of("umount", volumes.toString()));
        }
        HostSandbox.assertOk(sandbox.run("qvm-start", "dev"));
        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--wait", "dev"));
    }

    @Test
    void aBrokenHostFileChangesNothing() throws Exception {
        HostSandbox.assertOk(sandbox.run("qvm-start", "dev"));
        String ruleset = sandbox.host.run("nft", "list", "table", "inet", "qvm").stdout();
        String state = Files.readString(sandbox.runtimeDir("dev").resolve("state"));
        String allocations = Files.readString(dir.resolve("lib/allocations.toml"));
        String good = Files.readString(sandbox.config);

        Map<String, String> broken = Map.of(
                "a syntax error", good.replace("[network]", "[network"),
                "a bad value", good.replace("pool = \"10.0.0.0/24\"", "pool = \"10.0.0.0/33\""));
        assertTrue(broken.values().stream().noneMatch(good::equals), "each file is really broken");
        for (Map.Entry<String, String> file : broken.entrySet()) {
            Files.writeString(sandbox.config, file.getValue());
            for (String[] command : List.of(new String[] {"qvm-start", "shopping"}, new String[] {"qvm-shutdown", "--all"},
                    new String[] {"qvm-kill", "dev"}, new String[] {"qvm-run", "-p", "dev", "true"}, new String[] {"qvm-ls"})) {
                HostSandbox.Run run = sandbox.run(command[0], java.util.Arrays.copyOfRange(command, 1, command.length));
                assertNotEquals(0, run.status(), file.getKey() + ": " + String.join(" ", command));
                assertTrue(java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(sandbox.config.toString())
                        + ":\\d+:\\d+: ").matcher(run.err()).find(), file.getKey() + ": the error says FILE:LINE:COLUMN: " + run.err());
                assertTrue(run.err().contains("nothing was changed"), run.err());
                assertTrue(run.err().lines().count() <= 5, "a short error, no stack trace: " + run.err());
            }
        }

        Files.writeString(sandbox.config, good);
        assertEquals(ruleset, sandbox.host.run("nft", "list", "table", "inet", "qvm").stdout());
        assertEquals(state, Files.readString(sandbox.runtimeDir("dev").resolve("state")));
        assertEquals(allocations, Files.readString(dir.resolve("lib/allocations.toml")));
        assertEquals(List.of("qvm-dev"), sandbox.taps());
        assertEquals("Halted", sandbox.stateOf("shopping"));
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "true"));
        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--wait", "dev"));
    }
}
