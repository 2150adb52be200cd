package org.qvm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.qvm.config.Size;
import org.qvm.plan.CheckedPlan;

/** The storage decisions, for both pools, against observed states written out by hand. */
class PrivateVolumePlannerTest {
    private static final long MIB = 1024 * 1024;
    private static final long EXTENT = 4 * MIB;
    private final LvmPool lvm = new LvmPool("qubes", null, LvmPool.Mode.NORMAL);
    private final FilePool file = new FilePool(Path.of("/var/lib/qvm/volumes"), null);

    private static ObservedVolume lvmState(Optional<ObservedVolume.Existing> volume, boolean leftover) {
        return new ObservedVolume(Optional.empty(), OptionalLong.of(100L * 1024 * MIB), EXTENT, volume, leftover);
    }

    private static Optional<ObservedVolume.Existing> ours(long bytes) {
        return Optional.of(new ObservedVolume.Existing(bytes, true, ""));
    }

    private static ObservedVolume fileState(Optional<ObservedVolume.Existing> volume, boolean leftover) {
        return new ObservedVolume(Optional.empty(), OptionalLong.empty(), 1, volume, leftover);
    }

    @Test
    void aMissingLogicalVolumeIsMadeFormattedOnceAndOnlyThenGivenItsName() {
        CheckedPlan plan = PrivateVolumePlanner.prepare(lvm, "dev", Size.parse("10G"), lvmState(Optional.empty(), false));
        assertEquals(List.of(), plan.problems());
        assertEquals(List.of(
                "LVM_SUPPRESS_FD_WARNINGS=1 lvcreate --yes --name qvm-dev-private-new --size 10737418240b --addtag qvm qubes",
                "! blkid -p /dev/qubes/qvm-dev-private-new",
                "mkfs.ext4 -q -m 0 /dev/qubes/qvm-dev-private-new",
                "LVM_SUPPRESS_FD_WARNINGS=1 lvrename qubes qvm-dev-private-new qvm-dev-private"), plan.plan().render());
        assertEquals(List.of("LVM_SUPPRESS_FD_WARNINGS=1 lvremove --yes qubes/qvm-dev-private-new"),
                plan.plan().steps().stream().flatMap(step -> step.undo().stream()).map(c -> c.render()).toList(),
                "a failure before the rename removes the half-made volume");
    }

    @Test
    void aMissingImageIsMadeTheSameWay() {
        CheckedPlan plan = PrivateVolumePlanner.prepare(file, "dev", Size.parse("1G"), fileState(Optional.empty(), false));
        assertEquals(List.of(
                "mkdir -p -m 0700 /var/lib/qvm/volumes",
                "truncate --size 1073741824 /var/lib/qvm/volumes/dev-private.img.new",
                "! blkid -p /var/lib/qvm/volumes/dev-private.img.new",
                "mkfs.ext4 -q -m 0 /var/lib/qvm/volumes/dev-private.img.new",
                "mv -T /var/lib/qvm/volumes/dev-private.img.new /var/lib/qvm/volumes/dev-private.img"), plan.plan().render());
    }

    @Test
    void metadataOnlyModeIsForTestsAndLeavesTheFilesystemOut() {
        LvmPool metadataOnly = new LvmPool("qubes", null, LvmPool.Mode.METADATA_ONLY);
        List<String> plan = PrivateVolumePlanner.prepare(metadataOnly, "dev", Size.parse("8M"),
                lvmState(Optional.empty(), false)).plan().render();
        assertEquals(List.of(
                "LVM_SUPPRESS_FD_WARNINGS=1 lvcreate --config 'global{activation=0}' --yes --name qvm-dev-private-new "
                        + "--size 8388608b --addtag qvm qubes",
                "LVM_SUPPRESS_FD_WARNINGS=1 lvrename --config 'global{activation=0}' qubes qvm-dev-private-new qvm-dev-private"),
                plan);
    }

    @Test
    void aVolumeOfTheRightSizeNeedsNothing() {
        assertEquals(List.of(), PrivateVolumePlanner.prepare(lvm, "dev", Size.parse("10G"),
                lvmState(ours(10L << 30), false)).plan().render());
        assertEquals(List.of(), PrivateVolumePlanner.prepare(lvm, "dev", Size.parse("1001M"),
                lvmState(ours(1004 * MIB), false)).plan().render(), "LVM rounded 1001M up to whole extents");
    }

    @Test
    void aLargerSizeGrowsTheVolumeButNeverTouchesTheGuestsFilesystem() {
        assertEquals(List.of(
                "LVM_SUPPRESS_FD_WARNINGS=1 lvextend --size 21474836480b qubes/qvm-dev-private"),
                PrivateVolumePlanner.prepare(lvm, "dev", Size.parse("20G"), lvmState(ours(10L << 30), false)).plan().render());
        assertEquals(List.of(
                "truncate --size 2147483648 /var/lib/qvm/volumes/dev-private.img"),
                PrivateVolumePlanner.prepare(file, "dev", Size.parse("2G"), fileState(ours(1L << 30), false)).plan().render());
    }

    @Test
    void aSmallerSizeIsRefused() {
        CheckedPlan plan = PrivateVolumePlanner.prepare(lvm, "dev", Size.parse("10G"), lvmState(ours(40L << 30), false));
        assertEquals(List.of("the private volume of dev is 40G but its definition asks for 10G: volumes are never "
                + "shrunk (that would lose data); set [private] size to at least 40G"), plan.problems());
        assertTrue(plan.plan().isEmpty());
    }

    @Test
    void aVolumeQvmDidNotMakeIsNeverTouched() {
        ObservedVolume foreign = lvmState(Optional.of(new ObservedVolume.Existing(1L << 30, false,
                "the logical volume has no 'qvm' tag")), false);
        CheckedPlan plan = PrivateVolumePlanner.prepare(lvm, "dev", Size.parse("10G"), foreign);
        assertEquals(List.of("/dev/qubes/qvm-dev-private exists but qvm did not make it (the logical volume has no 'qvm' "
                + "tag): rename or remove it, qvm will not use or change it"), plan.problems());
        assertTrue(plan.plan().isEmpty());
        assertEquals(1, PrivateVolumePlanner.remove(lvm, "dev", foreign).problems().size());
        assertTrue(PrivateVolumePlanner.remove(lvm, "dev", foreign).plan().isEmpty());
    }

    @Test
    void aLeftoverOfAnInterruptedCreateIsRemovedFirst() {
        List<String> plan = PrivateVolumePlanner.prepare(lvm, "dev", Size.parse("1G"), lvmState(Optional.empty(), true))
                .plan().render();
        assertEquals("LVM_SUPPRESS_FD_WARNINGS=1 lvremove --yes qubes/qvm-dev-private-new", plan.get(0));
        assertTrue(plan.get(1).contains("lvcreate"));
        List<String> withVolume = PrivateVolumePlanner.prepare(file, "dev", Size.parse("1G"),
                fileState(ours(1L << 30), true)).plan().render();
        assertEquals(List.of("rm -f /var/lib/qvm/volumes/dev-private.img.new"), withVolume, "the real volume stays");
    }

    @Test
    void aMissingGroupOrNoRoomIsAProblemBeforeAnythingChanges() {
        ObservedVolume noGroup = new ObservedVolume(Optional.of("the volume group qubes does not exist"),
                OptionalLong.empty(), 1, Optional.empty(), false);
        assertEquals(List.of("the volume group qubes does not exist"),
                PrivateVolumePlanner.prepare(lvm, "dev", Size.parse("1G"), noGroup).problems());
        ObservedVolume full = new ObservedVolume(Optional.empty(), OptionalLong.of(512 * MIB), EXTENT, Optional.empty(), false);
        assertEquals(List.of("not enough free space in volume group qubes for a new 1G private volume for dev: 1G needed, "
                + "512M free"), PrivateVolumePlanner.prepare(lvm, "dev", Size.parse("1G"), full).problems());
        ObservedVolume almostFull = new ObservedVolume(Optional.empty(), OptionalLong.of(512 * MIB), EXTENT, ours(1L << 30), false);
        assertEquals(List.of("not enough free space in volume group qubes for growing the private volume of dev to 2G: "
                + "1G needed, 512M free"), PrivateVolumePlanner.prepare(lvm, "dev", Size.parse("2G"), almostFull).problems());
    }

    @Test
    void removalTakesTheVolumeAndAnyLeftover() {
        assertEquals(List.of("LVM_SUPPRESS_FD_WARNINGS=1 lvremove --yes qubes/qvm-dev-private",
                "LVM_SUPPRESS_FD_WARNINGS=1 lvremove --yes qubes/qvm-dev-private-new"),
                PrivateVolumePlanner.remove(lvm, "dev", lvmState(ours(1L << 30), true)).plan().render());
        assertTrue(PrivateVolumePlanner.remove(lvm, "dev", lvmState(Optional.empty(), false)).plan().isEmpty());
    }

    @Test
    void lvmJsonReportsAreRead() {
        String json = """
                  {
                      "report": [
                          {
                              "lv": [
                                  {"lv_name":"qvm-dev-private", "lv_size":"10737418240", "lv_tags":"qvm", "data_percent":""}
                              ]
                          }
                      ]
                  }
                """;
        assertEquals("qvm-dev-private", LvmPool.report(json, "lv").path(0).path("lv_name").asText());
        assertEquals(10737418240L, LvmPool.report(json, "lv").path(0).path("lv_size").asLong());
    }
}
