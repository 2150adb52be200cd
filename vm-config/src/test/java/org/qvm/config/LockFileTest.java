package org.qvm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.Privileged;

class LockFileTest {
    @TempDir
    Path dir;

    @Test
    void lockFilesAreOurOwnAndPrivate() throws Exception {
        Path lock = dir.resolve("run/dev.lock");
        try (LockFile held = LockFile.acquire(lock)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lock)));
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(lock.getParent())));
        }
        // A lock file an older qvm made readable by everyone is made private again.
        Files.setPosixFilePermissions(lock, PosixFilePermissions.fromString("rw-r--r--"));
        LockFile.acquire(lock).close();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lock)));
    }

    @Test
    void aDirectoryOthersCanWriteIsRefused() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException refused = assertThrows(IOException.class, () -> LockFile.acquire(shared.resolve("dev.lock")));
        assertTrue(refused.getMessage().contains("is writable by other users"), refused.getMessage());
        assertFalse(Files.exists(shared.resolve("dev.lock")));
    }

    @Test
    void aBoundedWaitGivesUpWhileAnotherThreadHoldsTheLock() throws Exception {
        Path lock = dir.resolve("dev.lock");
        try (LockFile held = LockFile.acquire(lock)) {
            Optional<LockFile> other = CompletableFuture.supplyAsync(() -> {
                try {
                    return LockFile.acquire(lock, Duration.ofMillis(100));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).get(10, TimeUnit.SECONDS);
            assertTrue(other.isEmpty(), "still held");
        }
        Optional<LockFile> free = LockFile.acquire(lock, Duration.ZERO);
        assertTrue(free.isPresent());
        free.get().close();
    }

    /** The attack: another user of the host takes a shared lock on root's lock file, and root's tools wait for ever. */
    @Test
    void anotherUserCanNeitherOpenNorLockThem() throws Exception {
        Privileged.requireRoot("runuser", "python3");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path lock = dir.resolve("run/dev.lock");
        LockFile.acquire(lock).close();
        Process attacker = new ProcessBuilder("runuser", "-u", "nobody", "--", "python3", "-c",
                "import fcntl, sys\nf = open(sys.argv[1])\nfcntl.lockf(f, fcntl.LOCK_SH)\nprint('locked')", lock.toString())
                .redirectErrorStream(true).start();
        assertTrue(attacker.waitFor(30, TimeUnit.SECONDS));
        String said = new String(attacker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(said.contains("PermissionError"), said);
        Optional<LockFile> ours = LockFile.acquire(lock, Duration.ofSeconds(5));
        assertTrue(ours.isPresent(), "root's tools still get their lock");
        ours.get().close();
    }
}
