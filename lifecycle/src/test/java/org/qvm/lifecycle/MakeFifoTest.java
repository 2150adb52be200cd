package org.qvm.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's pipe made in the process: a FIFO with exactly its mode, as mkfifo -m makes it. */
class MakeFifoTest {
    @TempDir
    Path dir;

    private static int fileType(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000;
    }

    @Test
    void itMakesANamedPipeWithExactlyItsMode() throws IOException {
        MakeFifo fifo = new MakeFifo(dir.resolve("console.pipe"), "0640");
        assertTrue(fifo.availableHere());
        fifo.perform();
        assertEquals(0010000, fileType(dir.resolve("console.pipe")), "a FIFO");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("console.pipe"))));
        assertEquals("mkfifo -m 0640 " + dir.resolve("console.pipe"), fifo.render(), "--dry-run shows mkfifo");
    }

    @Test
    void whatIsAlreadyThereIsAnErrorAndStaysAsItWas() throws IOException {
        Files.writeString(dir.resolve("console.pipe"), "a file");
        IOException failed = assertThrows(IOException.class, () -> new MakeFifo(dir.resolve("console.pipe"), "0600").perform());
        assertTrue(failed.getMessage().contains("File exists"), failed.getMessage());
        assertEquals("a file", Files.readString(dir.resolve("console.pipe")));
    }

    @Test
    void aDirectoryThatIsALinkIsNotFollowed() throws IOException {
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Files.createSymbolicLink(dir.resolve("run"), elsewhere);
        assertThrows(IOException.class, () -> new MakeFifo(dir.resolve("run").resolve("console.pipe"), "0600").perform());
        assertFalse(Files.exists(elsewhere.resolve("console.pipe"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void onlyAbsolutePathsAndPermissionModes() {
        assertThrows(IllegalArgumentException.class, () -> new MakeFifo(Path.of("relative.pipe"), "0600"));
        assertThrows(IllegalArgumentException.class, () -> new MakeFifo(dir.resolve("p"), "4755"));
    }
}
