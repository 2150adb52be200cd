package org.qvm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** truncate, mv -T and rm -f done in the process: what each does to real files, and how it shows. */
class FileActionsTest {
    @TempDir
    Path dir;

    @Test
    void setFileSizeMakesAMissingFileAndGivesItExactlyItsLength() throws IOException {
        Path image = dir.resolve("dev-private.img.new");
        SetFileSize make = new SetFileSize(image, 64L << 20);
        assertEquals("truncate --size 67108864 " + image, make.render());
        make.perform();
        assertEquals(64L << 20, Files.size(image));
        Files.write(image, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.WRITE);
        new SetFileSize(image, 128L << 20).perform();
        assertEquals(128L << 20, Files.size(image));
        byte[] start = new byte[3];
        try (java.io.InputStream in = Files.newInputStream(image)) {
            assertEquals(3, in.read(start));
        }
        assertEquals(java.util.List.of((byte) 1, (byte) 2, (byte) 3), java.util.List.of(start[0], start[1], start[2]),
                "growing keeps what is there");
    }

    @Test
    void setFileSizeNeverFollowsALink() throws IOException {
        Path precious = Files.writeString(dir.resolve("precious"), "not ours");
        Path image = Files.createSymbolicLink(dir.resolve("dev-private.img"), precious);
        IOException refused = assertThrows(IOException.class, () -> new SetFileSize(image, 1 << 20).perform());
        assertTrue(refused.getMessage().contains("not a regular file"), refused.getMessage());
        assertEquals("not ours", Files.readString(precious));
    }

    @Test
    void moveFileReplacesTheTargetInOneRename() throws IOException {
        Path from = Files.writeString(dir.resolve("a.img.new"), "new");
        Path to = Files.writeString(dir.resolve("a.img"), "old");
        MoveFile move = new MoveFile(from, to);
        assertEquals("mv -T " + from + " " + to, move.render());
        move.perform();
        assertEquals("new", Files.readString(to));
        assertFalse(Files.exists(from));
        assertThrows(IOException.class, () -> new MoveFile(from, to).perform(), "nothing to move");
    }

    @Test
    void removeFileRemovesAFileOrALinkButNeverWhatItPointsToNorADirectory() throws IOException {
        Path file = Files.writeString(dir.resolve("a.img"), "x");
        RemoveFile remove = new RemoveFile(file);
        assertEquals("rm -f " + file, remove.render());
        remove.perform();
        assertFalse(Files.exists(file));
        remove.perform();
        Path precious = Files.writeString(dir.resolve("precious"), "not ours");
        Path link = Files.createSymbolicLink(dir.resolve("b.img"), precious);
        new RemoveFile(link).perform();
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
        assertEquals("not ours", Files.readString(precious));
        Path directory = Files.createDirectory(dir.resolve("c.img"));
        assertThrows(IOException.class, () -> new RemoveFile(directory).perform());
        assertTrue(Files.isDirectory(directory));
    }
}
