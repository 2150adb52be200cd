package org.qvm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.qvm.testsupport.HostSandbox;

/** Twenty VMs at once and two hundred commands in them, twenty at a time, every answer checked. */
class LoadIT extends Scenario {
    private static final int VMS = 20;
    private static final int CALLS = 200;
    private static final int AT_A_TIME = 20;

    private static String vm(int index) {
        return "vm%02d".formatted(index % VMS + 1);
    }

    @Test
    void twentyVmsInParallelAndTwoHundredCommandsTwentyAtATime() throws Exception {
        List<String> names = IntStream.range(0, VMS).mapToObj(LoadIT::vm).toList();
        for (String name : names) {
            sandbox.vm(name, "label = \"gray\"\n[network]\n");
        }
        HostSandbox.assertOk(sandbox.run("qvm-start", "--all"));

        Map<String, List<String>> rows = sandbox.ls("state,ip,cid");
        assertEquals(names, List.copyOf(rows.keySet()));
        rows.forEach((name, row) -> assertEquals("Running", row.get(0), name));
        assertEquals(VMS, rows.values().stream().map(row -> row.get(1)).distinct().count(), "an address each");
        assertEquals(VMS, rows.values().stream().map(row -> row.get(2)).distinct().count(), "a CID each");
        assertEquals(VMS, sandbox.taps().size());
        for (String name : names) {
            // Each guest's home is its own: a file there tells which guest answered.
            Files.writeString(sandbox.guestHome(name).resolve("name"), name);
        }

        ExecutorService pool = Executors.newFixedThreadPool(AT_A_TIME);
        List<Future<HostSandbox.Run>> calls = new ArrayList<>();
        try {
            for (int i = 0; i < CALLS; i++) {
                String command = "echo \"$(cat ~/name) %d $((%d * 3))\"; echo e%d >&2; exit %d".formatted(i, i, i, i % 7);
                String target = vm(i);
                calls.add(pool.submit(() -> sandbox.run("qvm-run", "-p", target, command)));
            }
            for (int i = 0; i < CALLS; i++) {
                HostSandbox.Run run = calls.get(i).get(300, TimeUnit.SECONDS);
                assertEquals(i % 7, run.status(), "call " + i + ": " + run.err());
                assertEquals(vm(i) + " " + i + " " + (i * 3) + "\n", run.out(), "call " + i);
                assertEquals("e" + i + "\n", run.err(), "call " + i);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(300, TimeUnit.SECONDS));
        }

        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--all", "--wait"));
        sandbox.states().forEach((name, state) -> assertEquals("Halted", state, name));
        assertEquals(List.of(), EndToEnd.vmRuntimeDirectories(sandbox));
    }
}
