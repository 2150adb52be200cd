package org.qvm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.config.Vm;
import org.qvm.plan.Command;
import org.qvm.plan.PlanFailedException;
import org.qvm.plan.ProcessRunner;
import org.qvm.testsupport.Programs;

/** The file pool, fully real: sparse images and mkfs.ext4 (no root needed). */
class FilePoolTest {
    @TempDir
    Path dir;
    StorageFixture fixture;
    VmStorage storage;
    Path image;
    final ProcessRunner runner = new ProcessRunner();

    @BeforeEach
    void setUp() {
        fixture = new StorageFixture(dir, "pool = \"file\"\ndir = \"volumes\"");
        storage = new VmStorage(VmStorage.poolFor(fixture.load().host(), runner), runner);
        image = dir.resolve("volumes/dev-private.img");
    }

    private String probe(String field) {
        return runner.check(Command.of("blkid", "-p", "-o", "value", "-s", field, image.toString())).stdout().strip();
    }

    private long blockCount() {
        String header = runner.check(Command.of("dumpe2fs", "-h", image.toString())).stdout();
        return header.lines().filter(line -> line.startsWith("Block count:")).map(line -> Long.parseLong(line.split(":")[1].strip()))
                .findFirst().orElseThrow();
    }

    @Test
    void theFirstStartMakesASparseExt4ImageAndLaterStartsNeverReformatIt() throws Exception {
        Vm dev = fixture.dev("64M");
        storage.prepare(dev);
        assertEquals(64L << 20, Files.size(image));
        assertEquals("ext4", probe("TYPE"));
        assertFalse(Files.exists(dir.resolve("volumes/dev-private.img.new")));
        long allocated = storage.list(dev).get(1).used().orElseThrow();
        assertTrue(allocated < Files.size(image), "sparse: " + allocated + " bytes on disk");

        runner.check(Command.of("e2label", image.toString(), "kept-data"));
        String uuid = probe("UUID");
        assertTrue(storage.planPrepare(dev).plan().isEmpty(), "nothing to do on the second start");
        storage.prepare(dev);
        assertEquals("kept-data", probe("LABEL"));
        assertEquals(uuid, probe("UUID"));
    }

    @Test
    void growingTheSizeGrowsTheImageOnlyAndKeepsTheData() {
        storage.prepare(fixture.dev("64M"));
        runner.check(Command.of("e2label", image.toString(), "kept-data"));
        long blocksBefore = blockCount();
        storage.prepare(fixture.dev("128M"));
        assertEquals(128L << 20, image.toFile().length());
        assertEquals(blocksBefore, blockCount(), "the filesystem is the guest's to grow, at its next boot");
        assertEquals("kept-data", probe("LABEL"));
    }

    @Test
    void shrinkingIsRefusedAndChangesNothing() throws Exception {
        storage.prepare(fixture.dev("128M"));
        StorageException refused = assertThrows(StorageException.class, () -> storage.prepare(fixture.dev("64M")));
        assertEquals("cannot prepare the disks of dev: the private volume of dev is 128M but its definition asks for "
                + "64M: volumes are never shrunk (that would lose data); set [private] size to at least 128M",
                refused.getMessage());
        assertEquals(128L << 20, Files.size(image));
    }

    @Test
    void aLeftoverOfAnInterruptedCreateIsReplacedByACompleteVolume() throws Exception {
        Files.createDirectories(image.getParent());
        Files.writeString(dir.resolve("volumes/dev-private.img.new"), "half made");
        storage.prepare(fixture.dev("64M"));
        assertEquals("ext4", probe("TYPE"));
        assertFalse(Files.exists(dir.resolve("volumes/dev-private.img.new")));
    }

    @Test
    void aCreateThatFailsHalfWayLeavesNoVolumeAtAll() throws Exception {
        Path tools = Programs.onlyThese(dir, List.of("mkdir", "truncate", "blkid", "rm", "mv"));
        ProcessRunner withoutMkfs = new ProcessRunner(List.of("env", "PATH=" + tools));
        VmStorage broken = new VmStorage(VmStorage.poolFor(fixture.load().host(), withoutMkfs), withoutMkfs);
        PlanFailedException failure = assertThrows(PlanFailedException.class, () -> broken.prepare(fixture.dev("64M")));
        assertTrue(failure.getMessage().contains("mkfs.ext4"), failure.getMessage());
        assertFalse(Files.exists(image));
        assertFalse(Files.exists(dir.resolve("volumes/dev-private.img.new")), "the half-made image was removed");
        storage.prepare(fixture.dev("64M"));
        assertEquals("ext4", probe("TYPE"), "and the next start makes a complete one");
    }

    @Test
    void somethingElseUnderTheImageNameIsNeverTouched() throws Exception {
        Files.createDirectories(image.getParent());
        Path elsewhere = Files.writeString(dir.resolve("precious"), "not ours");
        Files.createSymbolicLink(image, elsewhere);
        StorageException refused = assertThrows(StorageException.class, () -> storage.prepare(fixture.dev("64M")));
        assertTrue(refused.getMessage().contains("exists but qvm did not make it (it is not a regular file)"),
                refused.getMessage());
        assertThrows(StorageException.class, () -> storage.remove("dev"));
        assertEquals("not ours", Files.readString(elsewhere));
    }

    @Test
    void theRootImageMustExist() throws Exception {
        Vm dev = fixture.dev("64M");
        Files.delete(dir.resolve("rootfs.img"));
        StorageException refused = assertThrows(StorageException.class, () -> storage.prepare(dev));
        assertTrue(refused.getMessage().contains("the root image " + dir.resolve("rootfs.img") + " of dev does not exist"),
                refused.getMessage());
        assertFalse(Files.exists(image), "nothing was made");
    }

    @Test
    void listingAndExplicitRemoval() throws Exception {
        Vm dev = fixture.dev("64M");
        List<VolumeInfo> before = storage.list(dev);
        assertEquals("root", before.get(0).volume());
        assertTrue(before.get(0).readOnly());
        assertEquals(21, before.get(0).size().orElseThrow());
        assertTrue(before.get(1).size().isEmpty(), "not made yet");
        storage.prepare(dev);
        VolumeInfo made = storage.list(dev).get(1);
        assertEquals("file", made.pool());
        assertEquals(64L << 20, made.size().orElseThrow());
        assertEquals(image, made.path());
        storage.remove("dev");
        assertFalse(Files.exists(image));
    }

    @Test
    void theVmsWithVolumesAreThoseWithImagesWholeOrLeftOver() throws Exception {
        assertEquals(java.util.Set.of(), storage.pool().volumeOwners(), "no directory yet: none");
        storage.prepare(fixture.dev("64M"));
        Files.writeString(dir.resolve("volumes/disp3-private.img.new"), "");
        Files.writeString(dir.resolve("volumes/notes.txt"), "");
        Files.createDirectory(dir.resolve("volumes/disp5-private.img"));
        Files.createSymbolicLink(dir.resolve("volumes/disp6-private.img"), image);
        assertEquals(java.util.Set.of("dev", "disp3"), storage.pool().volumeOwners(), "regular files of a volume's name only");
    }
}
