package org.qvm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.config.Vm;
import org.qvm.plan.ProcessRunner;
import org.qvm.testsupport.LoopVolumeGroup;
import org.qvm.testsupport.Privileged;

/**
 * The lvm pool with real lvm2, as root, on a volume group of the test's own (a loop device over a
 * sparse file). This kernel has no device-mapper, so the pool runs in its test-only
 * metadata-only mode: volumes are created, grown, listed and removed as LVM metadata, and the
 * filesystem steps (which need a device) are covered by the file pool's tests.
 */
class LvmPoolTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    LoopVolumeGroup group;
    StorageFixture fixture;
    VmStorage storage;

    @BeforeEach
    void setUp() {
        Privileged.requireRoot("losetup", "lvm", "pvcreate", "vgcreate", "lvs");
        group = LoopVolumeGroup.create(dir, 256);
        fixture = new StorageFixture(dir, "pool = \"lvm\"\nvolume-group = \"" + group.name() + "\"");
        storage = storage(group.name());
    }

    private VmStorage storage(String volumeGroup) {
        ProcessRunner runner = new ProcessRunner();
        return new VmStorage(new LvmPool(volumeGroup, runner, LvmPool.Mode.METADATA_ONLY), runner);
    }

    @AfterEach
    void tearDown() {
        if (group != null) {
            group.close();
        }
    }

    /** Logical volume name -> {size in bytes, tags}. */
    private Map<String, String[]> volumes() throws Exception {
        JsonNode report = JSON.readTree(group.lvm("lvs", "--reportformat", "json", "--units", "b", "--nosuffix",
                "-o", "lv_name,lv_size,lv_tags", group.name()).stdout());
        Map<String, String[]> volumes = new HashMap<>();
        for (JsonNode lv : report.path("report").path(0).path("lv")) {
            volumes.put(lv.path("lv_name").asText(), new String[] {lv.path("lv_size").asText(), lv.path("lv_tags").asText()});
        }
        return volumes;
    }

    @Test
    void createThenNothingThenGrowThenRefuseToShrink() throws Exception {
        Vm dev = fixture.dev("32M");
        storage.prepare(dev);
        Map<String, String[]> made = volumes();
        assertEquals(1, made.size(), "only the finished volume, no leftover: " + made.keySet());
        assertEquals(String.valueOf(32 << 20), made.get("qvm-dev-private")[0]);
        assertEquals("qvm", made.get("qvm-dev-private")[1]);

        assertTrue(storage.planPrepare(dev).plan().isEmpty(), "an unchanged definition needs nothing");

        storage.prepare(fixture.dev("64M"));
        assertEquals(String.valueOf(64 << 20), volumes().get("qvm-dev-private")[0]);

        StorageException refused = assertThrows(StorageException.class, () -> storage.prepare(fixture.dev("32M")));
        assertTrue(refused.getMessage().contains("volumes are never shrunk"), refused.getMessage());
        assertEquals(String.valueOf(64 << 20), volumes().get("qvm-dev-private")[0]);

        VolumeInfo listed = storage.list(fixture.dev("64M")).get(1);
        assertEquals("lvm", listed.pool());
        assertEquals(64L << 20, listed.size().orElseThrow());
        assertEquals(Path.of("/dev", group.name(), "qvm-dev-private"), listed.path());
    }

    @Test
    void sizesAreRoundedToWholeExtentsWithoutLookingLikeAShrink() throws Exception {
        storage.prepare(fixture.dev("17M"));
        assertEquals(String.valueOf(20 << 20), volumes().get("qvm-dev-private")[0], "rounded up to 4 MiB extents");
        assertTrue(storage.planPrepare(fixture.dev("17M")).plan().isEmpty());
    }

    @Test
    void aVolumeOfThatNameWithoutOurTagIsRefused() throws Exception {
        group.lvm("lvcreate", "--yes", "--name", "qvm-dev-private", "--size", "8M", group.name());
        StorageException refused = assertThrows(StorageException.class, () -> storage.prepare(fixture.dev("32M")));
        assertTrue(refused.getMessage().contains("exists but qvm did not make it (the logical volume has no 'qvm' tag)"),
                refused.getMessage());
        assertThrows(StorageException.class, () -> storage.remove("dev"));
        assertEquals(String.valueOf(8 << 20), volumes().get("qvm-dev-private")[0], "untouched");
    }

    @Test
    void aMissingGroupOrTooLittleSpaceIsAClearErrorAndChangesNothing() throws Exception {
        StorageException noGroup = assertThrows(StorageException.class,
                () -> storage("qvmt-no-such-group").prepare(fixture.dev("32M")));
        assertTrue(noGroup.getMessage().contains("the volume group qvmt-no-such-group does not exist"), noGroup.getMessage());

        StorageException full = assertThrows(StorageException.class, () -> storage.prepare(fixture.dev("1G")));
        assertTrue(full.getMessage().contains("not enough free space in volume group " + group.name()
                + " for a new 1G private volume for dev"), full.getMessage());
        assertTrue(volumes().isEmpty());
    }

    @Test
    void aLeftoverOfAnInterruptedCreateIsRemovedAndTheVolumeMadeAfresh() throws Exception {
        group.lvm("lvcreate", "--yes", "--name", "qvm-dev-private-new", "--size", "8M", "--addtag", "qvm", group.name());
        storage.prepare(fixture.dev("16M"));
        Map<String, String[]> after = volumes();
        assertFalse(after.containsKey("qvm-dev-private-new"));
        assertEquals(String.valueOf(16 << 20), after.get("qvm-dev-private")[0]);
    }

    @Test
    void removalIsExplicitAndTakesOnlyThatVolume() throws Exception {
        storage.prepare(fixture.dev("16M"));
        group.lvm("lvcreate", "--yes", "--name", "qvm-com-private", "--size", "8M", "--addtag", "qvm", group.name());
        storage.remove("dev");
        assertEquals(java.util.Set.of("qvm-com-private"), volumes().keySet());
    }

    @Test
    void theVmsWithVolumesAreThoseWithOursWholeOrLeftOver() throws Exception {
        assertEquals(java.util.Set.of(), storage.pool().volumeOwners());
        assertEquals(java.util.Set.of(), storage("qvmt-no-such-group").pool().volumeOwners(), "a group not made yet has none");
        storage.prepare(fixture.dev("16M"));
        group.lvm("lvcreate", "--yes", "--name", "qvm-disp3-private-new", "--size", "8M", "--addtag", "qvm", group.name());
        group.lvm("lvcreate", "--yes", "--name", "qvm-disp4-private", "--size", "8M", group.name());
        group.lvm("lvcreate", "--yes", "--name", "swap", "--size", "8M", "--addtag", "qvm", group.name());
        assertEquals(java.util.Set.of("dev", "disp3"), storage.pool().volumeOwners(), "not what has no qvm tag, nor another name");
    }
}
