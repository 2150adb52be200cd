package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.Examples;

/** qvm-volume on the examples switched to a real file pool (no root needed). */
class QvmVolumeTest {
    @TempDir
    Path dir;
    Path config;
    Path image;

    @BeforeEach
    void setUp() throws Exception {
        config = Examples.copyTo(dir);
        Files.writeString(config, Files.readString(config)
                .replace("pool = \"lvm\"", "pool = \"file\"")
                .replace("dir = \"/var/lib/qvm/volumes\"", "dir = \"" + dir.resolve("volumes") + "\"")
                .replaceFirst("(?m)^\\[defaults\\].*$", "[defaults]\nrootfs = \"" + dir.resolve("rootfs.img") + "\""));
        Files.writeString(dir.resolve("rootfs.img"), "root");
        Files.writeString(dir.resolve("vms/dev.toml"), "label = \"blue\"  # dev\n[private]\nsize = \"32M\"  # small\n");
        image = dir.resolve("volumes/dev-private.img");
    }

    private ToolHarness.Result volume(String... args) {
        return ToolHarness.run(new QvmVolume(), config, args);
    }

    @Test
    void listShowsEveryVolumeWithItsPoolSizeAndPath() {
        ToolHarness.Result list = volume("list", "dev", "personal");
        assertEquals(0, list.status(), list.err());
        assertEquals("VM        VOLUME   POOL   SIZE  USED  RO   PATH", list.out().lines().findFirst().orElseThrow());
        assertTrue(list.out().contains("dev       root     image  4B    -     yes  " + dir.resolve("rootfs.img")), list.out());
        assertTrue(list.out().contains("dev       private  file   -     -     no   " + image), list.out());
        assertEquals(5, list.out().lines().count());
    }

    @Test
    void aPoolThatCannotBeReadListsSizesAsUnknown() throws Exception {
        Files.writeString(config, Files.readString(config).replace("pool = \"file\"", "pool = \"lvm\""));
        QvmVolume noLvm = new QvmVolume();
        noLvm.runner = new org.qvm.plan.ProcessRunner(java.util.List.of("env", "PATH=" + dir.resolve("empty")));
        ToolHarness.Result list = ToolHarness.run(noLvm, config, "list", "dev");
        assertEquals(0, list.status(), list.err());
        assertTrue(list.out().contains("dev  private  lvm    -     -     no   /dev/qubes/qvm-dev-private"), list.out());
    }

    @Test
    void resizeGrowsTheVolumeAndRecordsTheSizeInTheVmsFile() throws Exception {
        ToolHarness.Result made = volume("resize", "dev:private", "32M");
        assertEquals(0, made.status(), made.err());
        assertEquals(32L << 20, Files.size(image));
        ToolHarness.Result grown = volume("resize", "dev:private", "64M");
        assertEquals(0, grown.status(), grown.err());
        assertEquals(64L << 20, Files.size(image));
        assertEquals("label = \"blue\"  # dev\n[private]\nsize = \"64M\"  # small\n",
                Files.readString(dir.resolve("vms/dev.toml")), "only the value changed");
        assertTrue(volume("info", "dev:private").out().contains("size      64M"));
    }

    @Test
    void resizeRefusesToShrinkAndDryRunChangesNothing() throws Exception {
        ToolHarness.Result shrink = volume("resize", "dev:private", "16M");
        assertEquals(1, shrink.status());
        assertEquals("qvm-volume: error: the private volume of dev is declared 32M; volumes only grow (shrinking would "
                + "lose data)\n", shrink.err());
        ToolHarness.Result dry = volume("resize", "--dry-run", "dev:private", "64M");
        assertEquals(0, dry.status(), dry.err());
        assertEquals("# set [private] size = \"64M\" in " + dir.resolve("vms/dev.toml"), dry.out().lines().findFirst().orElseThrow());
        assertTrue(dry.out().contains("mkfs.ext4 -q -m 0 " + image + ".new"), dry.out());
        assertFalse(Files.exists(image));
        assertTrue(Files.readString(dir.resolve("vms/dev.toml")).contains("size = \"32M\""));
    }

    @Test
    void aResizeThatCannotHappenLeavesTheFileAsItWas() throws Exception {
        Files.delete(dir.resolve("rootfs.img"));
        ToolHarness.Result failed = volume("resize", "dev:private", "64M");
        assertEquals(1, failed.status());
        assertTrue(failed.err().contains("the root image"), failed.err());
        assertTrue(Files.readString(dir.resolve("vms/dev.toml")).contains("size = \"32M\""));
    }

    @Test
    void removeAsksFirstAndForceDoesNot() throws Exception {
        volume("resize", "dev:private", "32M");
        QvmVolume answersNo = new QvmVolume();
        answersNo.input = new ByteArrayInputStream("n\n".getBytes(StandardCharsets.UTF_8));
        ToolHarness.Result kept = ToolHarness.run(answersNo, config, "remove", "dev:private");
        assertEquals(1, kept.status());
        assertTrue(kept.err().contains("and all data in it. Are you sure? [y/N]"), kept.err());
        assertTrue(Files.exists(image));

        QvmVolume answersYes = new QvmVolume();
        answersYes.input = new ByteArrayInputStream("y\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(0, ToolHarness.run(answersYes, config, "remove", "dev:private").status());
        assertFalse(Files.exists(image));

        volume("resize", "dev:private", "32M");
        assertEquals(0, volume("remove", "--force", "dev:private").status());
        assertFalse(Files.exists(image));
    }

    @Test
    void misuseIsAUsageError() {
        ToolHarness.Result noSubcommand = volume();
        assertEquals(2, noSubcommand.status());
        assertTrue(noSubcommand.err().endsWith("qvm-volume: error: a subcommand is needed: list, info, resize or remove\n"));
        ToolHarness.Result badRef = volume("resize", "dev", "1G");
        assertEquals(2, badRef.status());
        assertTrue(badRef.err().startsWith("usage: qvm-volume resize"), badRef.err());
        assertTrue(badRef.err().endsWith("qvm-volume: error: 'dev' is not VM:VOLUME (for example dev:private)\n"));
        assertEquals(2, volume("resize", "dev:private", "lots").status());
        assertEquals(2, volume("remove", "dev:root").status());
    }
}
