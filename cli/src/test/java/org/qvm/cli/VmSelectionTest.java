package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.Examples;

/** Which VMs the lifecycle tools act on, seen through --dry-run. */
class VmSelectionTest {
    @TempDir
    Path dir;

    private int copies;

    private List<String> planned(String... args) throws Exception {
        Path copy = dir.resolve("copy" + copies++);
        Path config = Examples.copyTo(copy);
        Files.writeString(copy.resolve("vms/com.toml"), "autostart = true\n" + Files.readString(copy.resolve("vms/com.toml")));
        Files.writeString(copy.resolve("vms/banking.toml"), "autostart = true\n" + Files.readString(copy.resolve("vms/banking.toml")));
        ToolHarness.Result result = ToolHarness.run(new QvmShutdown(), config, args);
        assertEquals(0, result.status(), result.err());
        // Each VM's plan asks it to power off through its own control socket: <state-dir>/<vm>/crosvm.sock.
        return result.out().lines().filter(line -> line.startsWith("crosvm powerbtn "))
                .map(line -> Path.of(line.substring("crosvm powerbtn ".length())).getParent().getFileName().toString()).toList();
    }

    @Test
    void allAllAutostartAndExclude() throws Exception {
        assertEquals(Examples.VM_NAMES, planned("--dry-run", "--all"));
        assertEquals(List.of("banking", "com"), planned("--dry-run", "--all-autostart"));
        assertEquals(List.of("com"), planned("--dry-run", "--all-autostart", "--exclude", "banking"));
    }

    @Test
    void misuseIsAUsageError() {
        Path config = Examples.copyTo(dir);
        for (String[] args : List.of(new String[] {"--exclude", "dev", "com"}, new String[] {"--all", "dev"},
                new String[] {"--all", "--all-autostart"}, new String[] {})) {
            ToolHarness.Result result = ToolHarness.run(new QvmStart(), config, args);
            assertEquals(2, result.status(), String.join(" ", args));
            assertTrue(result.err().startsWith("usage: qvm-start"), result.err());
        }
    }
}
