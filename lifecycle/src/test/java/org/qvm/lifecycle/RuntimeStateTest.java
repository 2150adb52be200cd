package org.qvm.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.config.ConfigLoader;
import org.qvm.config.HostConfig;
import org.qvm.testsupport.Examples;

/** The recorded state checked against the process it names. */
class RuntimeStateTest {
    @TempDir
    Path dir;
    HostConfig host;
    RuntimeState runtime;
    ProcessIdentity alive;

    @BeforeEach
    void setUp() {
        host = new ConfigLoader().load(Examples.copyTo(dir), ConfigLoader.Recording.NEVER).host();
        runtime = new RuntimeState(host);
        alive = ProcessIdentity.of(ProcessHandle.current().pid()).orElseThrow();
    }

    @Test
    void noStateFileMeansHalted() {
        assertEquals(VmState.HALTED, runtime.stateOf("dev"));
    }

    @Test
    void aRecordedStateHoldsWhileItsProcessRuns() throws Exception {
        runtime.write("dev", VmState.RUNNING, Optional.of(alive));
        assertEquals(VmState.RUNNING, runtime.stateOf("dev"));
        runtime.write("dev", VmState.PAUSED, Optional.empty());
        assertEquals(VmState.PAUSED, runtime.stateOf("dev"), "the identity is kept");
        assertEquals(alive, runtime.read("dev").orElseThrow().process().orElseThrow());
        assertEquals("Paused\npid=" + alive.pid() + "\nstart-time=" + alive.startTime() + "\nboot-id=" + alive.bootId() + "\n",
                Files.readString(host.runtimeDir("dev").resolve("state")));
    }

    @Test
    void aProcessThatIsGoneOrReplacedMeansCrashedOrHalted() throws Exception {
        ProcessIdentity reused = new ProcessIdentity(alive.pid(), alive.startTime() + 1, alive.bootId());
        runtime.write("dev", VmState.RUNNING, Optional.of(reused));
        assertEquals(VmState.CRASHED, runtime.stateOf("dev"), "same PID, another process: not our crosvm");
        ProcessIdentity otherBoot = new ProcessIdentity(alive.pid(), alive.startTime(), "another-boot");
        runtime.write("dev", VmState.RUNNING, Optional.of(otherBoot));
        assertEquals(VmState.CRASHED, runtime.stateOf("dev"));
        runtime.write("dev", VmState.HALTING, Optional.of(reused));
        assertEquals(VmState.HALTED, runtime.stateOf("dev"), "gone while halting: it powered off");
        Files.delete(host.runtimeDir("dev").resolve("state"));
        runtime.write("dev", VmState.STARTING, Optional.empty());
        assertEquals(VmState.STARTING, runtime.stateOf("dev"), "not launched yet");
    }

    @Test
    void aDamagedStateFileIsNotTakenForAHealthyVm() throws Exception {
        Files.createDirectories(host.runtimeDir("dev"));
        Files.writeString(host.runtimeDir("dev").resolve("state"), "exploded\n");
        assertEquals(VmState.CRASHED, runtime.stateOf("dev"));
        assertEquals("Halted", VmState.HALTED.displayName());
    }

    @Test
    void theIdentityOfARealProcessIsReadFromProc() {
        assertTrue(alive.isAlive());
        assertTrue(alive.startTime() > 0);
        assertEquals(Optional.empty(), ProcessIdentity.of(Integer.MAX_VALUE));
    }
}
