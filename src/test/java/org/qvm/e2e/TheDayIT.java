package org.qvm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qvm.testsupport.HostSandbox;

/**
 * The article's day, as a user runs it with the real bin/ commands: the example VMs on a private
 * host (a network namespace with an uplink to a stand-in internet, the file pool, the stand-in
 * crosvm running the real qvm-agent as the guest).
 */
class TheDayIT extends Scenario {
    @BeforeEach
    void theArticlesVms() throws Exception {
        sandbox.exampleVms();
    }

    @Test
    void startWorkCopyPauseAndShutDownThenFindTheDataAgain() throws Exception {
        HostSandbox.assertOk(sandbox.run("qvm-start", "dev", "shopping", "personal"));

        Map<String, List<String>> rows = sandbox.ls("state,ip,cid");
        assertEquals(List.of("Running", "10.0.0.7", "7"), rows.get("shopping"), "the address and CID the definition asks for");
        assertEquals("Running", rows.get("dev").get(0));
        assertTrue(rows.get("dev").get(1).matches("10\\.0\\.0\\.\\d*[13579]"), "dev has an odd /31 address: " + rows);
        assertTrue(Integer.parseInt(rows.get("dev").get(2)) >= 3, "dev has a guest CID: " + rows);
        assertEquals("Running", rows.get("personal").get(0));
        assertEquals("-", rows.get("personal").get(1), "personal has no network, so no address");
        assertTrue(Integer.parseInt(rows.get("personal").get(2)) >= 3);
        assertEquals("Halted", rows.get("com").get(0));
        assertEquals(List.of("qvm-dev", "qvm-shopping"), sandbox.taps().stream().sorted().toList());

        HostSandbox.Run uname = sandbox.run("qvm-run", "-p", "dev", "uname -a");
        HostSandbox.assertOk(uname);
        assertTrue(uname.out().startsWith("Linux "), uname.out());

        HostSandbox.assertOk(sandbox.run("qvm-run", "dev", "sleep 1000"));
        HostSandbox.Run sleeping = sandbox.run("qvm-run", "-p", "dev", "pgrep -x sleep");
        assertEquals(0, sleeping.status(), "the command lives on in the guest after qvm-run returned: " + sleeping.err());

        Path tree = EndToEnd.tree(dir.resolve("outgoing/receipts"));
        HostSandbox.assertOk(sandbox.run("qvm-copy-to-vm", "shopping", tree.toString()));
        Path arrived = sandbox.guestHome("shopping").resolve("QubesIncoming/host/receipts");
        assertEquals(EndToEnd.digest(tree), EndToEnd.digest(arrived), "the tree arrives identical");
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "echo 'kept across restarts' > ~/notes.txt"));

        HostSandbox.assertOk(sandbox.run("qvm-pause", "dev", "shopping"));
        assertEquals("Paused", sandbox.stateOf("dev"));
        assertEquals("Paused", sandbox.stateOf("shopping"));
        HostSandbox.assertOk(sandbox.run("qvm-unpause", "dev", "shopping"));
        assertEquals("Running", sandbox.stateOf("shopping"));
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "shopping", "true"));

        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--all", "--wait"));
        sandbox.states().forEach((vm, state) -> assertEquals("Halted", state, vm));
        sandbox.assertNothingRunning();
        assertEquals(List.of(), EndToEnd.vmRuntimeDirectories(sandbox), "no VM runtime directory left");
        for (String vm : List.of("dev", "shopping", "personal")) {
            assertTrue(Files.isRegularFile(dir.resolve("volumes").resolve(vm + "-private.img")), vm + "'s volume stays");
        }
        assertEquals(EndToEnd.digest(tree), EndToEnd.digest(arrived), "the copied files stay");

        HostSandbox.assertOk(sandbox.run("qvm-start", "dev", "shopping"));
        HostSandbox.Run notes = sandbox.run("qvm-run", "-p", "dev", "cat ~/notes.txt");
        assertEquals("kept across restarts\n", notes.out(), notes.err());
        HostSandbox.Run listing = sandbox.run("qvm-run", "-p", "--no-filter-escape-chars", "shopping",
                "cd ~/QubesIncoming/host && find receipts -type f | LC_ALL=C sort");
        HostSandbox.assertOk(listing);
        assertEquals(EndToEnd.regularFiles(tree), listing.out().lines().toList(), "the guest sees the copied files after the restart");
        assertEquals(EndToEnd.digest(tree), EndToEnd.digest(arrived));
        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--all", "--wait"));
        assertFalse(sandbox.tableExists());
    }
}
