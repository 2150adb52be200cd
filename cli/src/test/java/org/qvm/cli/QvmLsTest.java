package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.config.ConfigLoader;
import org.qvm.config.HostConfig;
import org.qvm.lifecycle.ProcessIdentity;
import org.qvm.lifecycle.RuntimeState;
import org.qvm.lifecycle.VmState;
import org.qvm.testsupport.Examples;

class QvmLsTest {
    @TempDir
    Path dir;
    Path config;

    @BeforeEach
    void copyExamples() {
        config = Examples.copyTo(dir);
    }

    private ToolHarness.Result ls(String... args) {
        return ToolHarness.run(new QvmLs(), config, args);
    }

    /** Records a state as if the VM's crosvm were this test's own process (which is alive). */
    private void setState(String vm, String state) throws Exception {
        HostConfig host = new ConfigLoader().load(config, ConfigLoader.Recording.NEVER).host();
        new RuntimeState(host).write(vm, VmState.parse(state), ProcessIdentity.of(ProcessHandle.current().pid()));
    }

    @Test
    void theDefaultTableHasAHeadingAlignedColumnsAndDashesForNothing() {
        ToolHarness.Result result = ls();
        assertEquals(0, result.status(), result.err());
        assertEquals("""
                NAME       STATE   LABEL   MEMORY  CPUS  IP         CID
                banking    Halted  black   2048    2     10.0.0.3   3
                com        Halted  purple  2048    2     10.0.0.5   4
                dev        Halted  blue    4096    4     10.0.0.9   5
                personal   Halted  yellow  2048    2     -          6
                shopping   Halted  green   2048    2     10.0.0.7   7
                untrusted  Halted  red     2048    2     10.0.0.11  8
                """, result.out());
        assertEquals("", result.err());
    }

    @Test
    void rawListPrintsTheNames() {
        assertEquals(String.join("\n", Examples.VM_NAMES) + "\n", ls("--raw-list").out());
    }

    @Test
    void rawDataIsQubesFormat() {
        ToolHarness.Result result = ls("--raw-data", "--fields", "name,ip,gateway,shares,autostart");
        assertEquals("""
                banking|10.0.0.3|10.0.0.2|-|no
                com|10.0.0.5|10.0.0.4|-|no
                dev|10.0.0.9|10.0.0.8|share|no
                personal|-|-|-|no
                shopping|10.0.0.7|10.0.0.6|share|no
                untrusted|10.0.0.11|10.0.0.10|outbox|no
                """, result.out());
    }

    @Test
    void fieldsAreCaseInsensitiveAndSortingIsByValue() {
        assertEquals("""
                dev|4096
                untrusted|2048
                shopping|2048
                personal|2048
                com|2048
                banking|2048
                """, ls("--raw-data", "--fields", "NAME,Memory", "--sort", "memory", "--reverse").out());
        assertEquals("banking\ncom\nshopping\ndev\nuntrusted\npersonal\n",
                ls("--raw-list", "--sort", "ip").out(), "addresses sort as addresses, nothing last");
    }

    @Test
    void stateFiltersAndLabelFilterAndNames() throws Exception {
        setState("dev", "Running");
        setState("com", "Paused");
        assertEquals("dev|Running\n", ls("--raw-data", "--fields", "name,state", "--running").out());
        assertEquals("com\ndev\n", ls("--raw-list", "--running", "--paused").out());
        assertEquals("banking\npersonal\nshopping\nuntrusted\n", ls("--raw-list", "--halted").out());
        assertEquals("untrusted\n", ls("--raw-list", "--label", "red").out());
        assertEquals("dev\nshopping\n", ls("--raw-list", "shopping", "dev").out());
    }

    @Test
    void jsonHasEveryFieldWithTypedValues() throws Exception {
        JsonNode vms = new ObjectMapper().readTree(ls("--json").out());
        assertEquals(6, vms.size());
        JsonNode shopping = vms.get(4);
        assertEquals("shopping", shopping.get("name").textValue());
        assertEquals("Halted", shopping.get("state").textValue());
        assertEquals(2048, shopping.get("memory").intValue());
        assertEquals(7, shopping.get("cid").intValue());
        assertEquals("10.0.0.7", shopping.get("ip").textValue());
        assertEquals(false, shopping.get("autostart").booleanValue());
        assertEquals("10G", shopping.get("private-size").textValue());
        assertTrue(vms.get(3).get("ip").isNull(), "personal has no address");
        JsonNode narrow = new ObjectMapper().readTree(ls("--json", "--fields", "name,cid").out());
        assertEquals(2, narrow.get(0).size());
    }

    @Test
    void labelColoursOnATerminalUnlessNoColor() {
        QvmLs onTerminal = new QvmLs();
        onTerminal.stdoutTerminal = true;
        String coloured = ToolHarness.run(onTerminal, Map.of("QVM_CONFIG", config.toString())).out();
        assertTrue(coloured.contains("\033[32mshopping\033[0m"), coloured);
        assertTrue(coloured.contains("\033[32mgreen\033[0m"), coloured);
        assertTrue(coloured.lines().findFirst().orElseThrow().startsWith("NAME       STATE"), "heading plain");

        QvmLs noColor = new QvmLs();
        noColor.stdoutTerminal = true;
        String plain = ToolHarness.run(noColor, Map.of("QVM_CONFIG", config.toString(), "NO_COLOR", "1")).out();
        assertFalse(plain.contains("\033["), plain);

        assertFalse(ls().out().contains("\033["), "not a terminal: no colour");
        assertTrue(ls("--color", "always").out().contains("\033[31muntrusted\033[0m"));
    }

    @Test
    void anUnknownVmIsARuntimeError() {
        ToolHarness.Result result = ls("shoping");
        assertEquals(1, result.status());
        assertTrue(result.err().startsWith("qvm-ls: error: no such domain: 'shoping' (did you mean 'shopping'?)"),
                result.err());
        assertEquals("", result.out());
    }

    @Test
    void usageErrorsExitTwoWithTheUsageLine() {
        ToolHarness.Result unknownOption = ls("--bogus");
        assertEquals(2, unknownOption.status());
        assertTrue(unknownOption.err().startsWith("usage: qvm-ls "), unknownOption.err());
        assertTrue(unknownOption.err().contains("qvm-ls: error: Unknown option: '--bogus'"), unknownOption.err());

        ToolHarness.Result twoFormats = ls("--raw-list", "--json");
        assertEquals(2, twoFormats.status());
        assertTrue(twoFormats.err().contains("qvm-ls: error: "), twoFormats.err());

        ToolHarness.Result badField = ls("--fields", "name,memroy");
        assertEquals(2, badField.status());
        assertTrue(badField.err().startsWith("usage: qvm-ls "), badField.err());
        assertTrue(badField.err().contains("\nqvm-ls: error: unknown field 'memroy' (did you mean 'memory'?)"),
                badField.err());
    }

    @Test
    void helpAndVersion() {
        ToolHarness.Result help = ls("--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("--raw-data"), help.out());
        assertTrue(help.out().contains("-v, --verbose"), help.out());
        ToolHarness.Result version = ls("--version");
        assertEquals(0, version.status());
        assertEquals("qvm 0.1.0\n", version.out());
    }

    @Test
    void aBrokenConfigurationListsEveryProblemAndChangesNothing() throws Exception {
        Files.writeString(dir.resolve("vms/dev.toml"), "label = \"blue\"\nmemroy = 1\n");
        Files.writeString(dir.resolve("vms/com.toml"), "cpus = \"two\"\n");
        ToolHarness.Result result = ls();
        assertEquals(1, result.status());
        assertEquals(dir.resolve("vms/com.toml") + ":1:1: 'cpus' must be an integer, not the string \"two\"\n"
                + dir.resolve("vms/dev.toml") + ":2:1: unknown key 'memroy' (did you mean 'memory'?)\n"
                + "qvm-ls: error: 2 problems in the configuration; nothing was changed\n", result.err());
        assertEquals("", result.out());
        assertFalse(Files.exists(dir.resolve("lib")), "no allocation record written");
    }

    @Test
    void listingRecordsAllocationsWhenItCan() {
        ls();
        assertTrue(Files.exists(dir.resolve("lib/allocations.toml")));
    }
}
