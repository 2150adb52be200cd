package org.qvm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.Examples;

class AllocationTest {
    @TempDir
    Path dir;
    Path config;

    @BeforeEach
    void copyExamples() {
        config = Examples.copyTo(dir);
    }

    private Configuration load(ConfigLoader.Recording recording) {
        return new ConfigLoader().load(config, recording);
    }

    /** name -> "cid address" for every VM. */
    private static Map<String, String> summary(Configuration configuration) {
        Map<String, String> summary = new LinkedHashMap<>();
        for (Vm vm : configuration.vms()) {
            summary.put(vm.name(), vm.cid() + " " + vm.link().map(l -> l.guest().toString()).orElse("-"));
        }
        return summary;
    }

    private void addVm(String name, String text) throws Exception {
        Files.writeString(dir.resolve("vms").resolve(name + ".toml"), text);
    }

    @Test
    void theExamplesGetLowestFreeValuesInNameOrderAroundPinnedOnes() {
        assertEquals(Map.of(
                "banking", "3 10.0.0.3",
                "com", "4 10.0.0.5",
                "dev", "5 10.0.0.9",
                "personal", "6 -",
                "shopping", "7 10.0.0.7",
                "untrusted", "8 10.0.0.11"), summary(load(ConfigLoader.Recording.ALWAYS)));
    }

    @Test
    void allocationIsDeterministic() {
        assertEquals(summary(load(ConfigLoader.Recording.NEVER)), summary(load(ConfigLoader.Recording.NEVER)));
    }

    @Test
    void addingAVmNeverMovesAnExistingOne() throws Exception {
        Map<String, String> before = summary(load(ConfigLoader.Recording.ALWAYS));
        // "aaa" sorts first: without the record it would take banking's values.
        addVm("aaa", "[network]\n");
        Map<String, String> after = summary(load(ConfigLoader.Recording.ALWAYS));
        before.forEach((name, values) -> assertEquals(values, after.get(name), name));
        assertEquals("9 10.0.0.13", after.get("aaa"));
        assertEquals(after, summary(load(ConfigLoader.Recording.ALWAYS)), "and it stays that way");
    }

    @Test
    void theRecordIsReadableAndWrittenOnlyWhenAllowed() throws Exception {
        Path record = dir.resolve("lib/allocations.toml");
        load(ConfigLoader.Recording.NEVER);
        assertFalse(Files.exists(dir.resolve("lib")), "NEVER (dry run) writes nothing");
        load(ConfigLoader.Recording.IF_POSSIBLE);
        String text = Files.readString(record);
        assertTrue(text.contains("[banking]\ncid = 3\naddress = \"10.0.0.3\"\n"), text);
        assertTrue(text.contains("[personal]\ncid = 6\n\n"), text);
        long modified = Files.getLastModifiedTime(record).toMillis();
        Files.setLastModifiedTime(record, java.nio.file.attribute.FileTime.fromMillis(modified - 10_000));
        load(ConfigLoader.Recording.ALWAYS);
        assertEquals(modified - 10_000, Files.getLastModifiedTime(record).toMillis(), "unchanged record is not rewritten");
    }

    @Test
    void aRemovedVmGivesItsValuesBackAndLosingNetworkFreesTheAddress() throws Exception {
        load(ConfigLoader.Recording.ALWAYS);
        Files.delete(dir.resolve("vms/banking.toml"));
        Files.writeString(dir.resolve("vms/com.toml"), "label = \"purple\"\n[network]\nenabled = false\n");
        Map<String, String> after = summary(load(ConfigLoader.Recording.ALWAYS));
        assertFalse(after.containsKey("banking"));
        assertEquals("4 -", after.get("com"));
        addVm("zed", "[network]\n");
        assertEquals("3 10.0.0.3", summary(load(ConfigLoader.Recording.ALWAYS)).get("zed"));
    }

    @Test
    void aPinnedValueWinsOverARecordedOne() throws Exception {
        load(ConfigLoader.Recording.ALWAYS);
        Files.writeString(dir.resolve("vms/zed.toml"), "cid = 5\n[network]\naddress = \"10.0.0.9\"\n");
        Map<String, String> after = summary(load(ConfigLoader.Recording.ALWAYS));
        assertEquals("5 10.0.0.9", after.get("zed"));
        assertEquals("9 10.0.0.13", after.get("dev"), "dev gave way to the explicit pin");
    }

    @Test
    void aDataDirectoryThatCannotBeWrittenIsFineForReadingAndAnErrorForActing() throws Exception {
        Files.writeString(dir.resolve("lib"), "a file where the directory should be");
        assertEquals("3 10.0.0.3", summary(load(ConfigLoader.Recording.IF_POSSIBLE)).get("banking"));
        ConfigException e = assertThrows(ConfigException.class, () -> load(ConfigLoader.Recording.ALWAYS));
        assertTrue(e.getMessage().startsWith(dir.resolve("lib/allocations.toml")
                + ":1:1: cannot record the VMs' CIDs and addresses"), e.getMessage());
    }

    @Test
    void aDamagedRecordIsAnErrorNamingTheEntry() throws Exception {
        Files.createDirectories(dir.resolve("lib"));
        Files.writeString(dir.resolve("lib/allocations.toml"), "[dev]\ncid = 5\n\n[com]\ncid = 1\n");
        ConfigException e = assertThrows(ConfigException.class, () -> load(ConfigLoader.Recording.NEVER));
        assertEquals(dir.resolve("lib/allocations.toml") + ":4:1: damaged allocation record for 'com': 'cid' must be "
                + "an integer from 3 to 4294967294; fix or delete this entry", e.getMessage());
    }
}
