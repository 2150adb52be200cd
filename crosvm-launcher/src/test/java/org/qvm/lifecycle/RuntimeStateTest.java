package org.qvm.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.config.ConfigLoader;
import org.qvm.config.HostConfig;
import org.qvm.testsupport.Examples;

class RuntimeStateTest {
    @TempDir
    Path dir;

    @Test
    void theStateFileSaysTheStateAndNoFileMeansHalted() throws Exception {
        HostConfig host = new ConfigLoader().load(Examples.copyTo(dir), ConfigLoader.Recording.NEVER).host();
        RuntimeState runtime = new RuntimeState(host);
        assertEquals(VmState.HALTED, runtime.stateOf("dev"));

        Files.createDirectories(host.runtimeDir("dev"));
        Files.writeString(host.runtimeDir("dev").resolve("state"), "Running\n");
        assertEquals(VmState.RUNNING, runtime.stateOf("dev"));
        Files.writeString(host.runtimeDir("dev").resolve("state"), "paused pid=12\n");
        assertEquals(VmState.PAUSED, runtime.stateOf("dev"));
        Files.writeString(host.runtimeDir("dev").resolve("state"), "exploded\n");
        assertEquals(VmState.CRASHED, runtime.stateOf("dev"), "a damaged state is not taken for a healthy one");
        assertEquals("Halted", VmState.HALTED.displayName());
    }
}
