package org.qvm.guest.filecopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Qubes file-copy stream, sent by our packer and received by our unpacker, and hostile streams. */
class FileCopyTest {
    @TempDir
    Path dir;
    Path home;
    Path incoming;

    @BeforeEach
    void setUp() throws Exception {
        home = Files.createDirectories(dir.resolve("home"));
        incoming = home.resolve("QubesIncoming/host");
    }

    private CopyResult receive(byte[] stream) throws Exception {
        try (SafeTree tree = SafeTree.open(home, "QubesIncoming/host", -1, -1)) {
            return new FileCopyUnpacker(tree).receive(new ByteArrayInputStream(stream));
        }
    }

    /** Packer and unpacker joined by pipes, as over a socket. */
    private FileCopyPacker.Outcome copy(List<Path> sources, boolean ignoreSymlinks) throws Exception {
        PipedOutputStream toGuest = new PipedOutputStream();
        PipedInputStream guestIn = new PipedInputStream(toGuest, 1 << 20);
        PipedOutputStream toHost = new PipedOutputStream();
        PipedInputStream hostIn = new PipedInputStream(toHost, 1 << 16);
        CompletableFuture<Void> guest = CompletableFuture.runAsync(() -> {
            try (SafeTree tree = SafeTree.open(home, "QubesIncoming/host", -1, -1)) {
                new FileCopyUnpacker(tree).receive(guestIn).write(toHost);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        FileCopyPacker.Outcome outcome = FileCopyPacker.send(FileCopyPacker.scan(sources, ignoreSymlinks), toGuest, hostIn,
                sent -> { });
        toGuest.close();
        guest.get();
        return outcome;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void aTreeArrivesIdenticalAndTheCrcIsVerified() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("send/tree"));
        Files.createDirectories(tree.resolve("sub"));
        byte[] random = new byte[3 << 20];
        new Random(42).nextBytes(random);
        Files.write(tree.resolve("random.bin"), random);
        Files.writeString(tree.resolve("sub/empty"), "");
        try (var sparse = java.nio.channels.FileChannel.open(tree.resolve("sparse.img"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            sparse.write(java.nio.ByteBuffer.wrap("end".getBytes()), 64L << 20);
        }
        Files.createSymbolicLink(tree.resolve("sub/link"), Path.of("../random.bin"));
        Files.setPosixFilePermissions(tree.resolve("random.bin"), PosixFilePermissions.fromString("rw-r-----"));
        FileTime when = FileTime.from(java.time.Instant.parse("2021-03-07T15:00:00.123456789Z"));
        Files.setLastModifiedTime(tree.resolve("random.bin"), when);
        Path single = Files.writeString(dir.resolve("send/note.txt"), "a note");

        FileCopyPacker.Outcome outcome = copy(List.of(tree, single), false);
        assertTrue(outcome.verified(), outcome.toString());

        Path arrived = incoming.resolve("tree");
        assertEquals(sha256(tree.resolve("random.bin")), sha256(arrived.resolve("random.bin")));
        assertEquals(sha256(tree.resolve("sparse.img")), sha256(arrived.resolve("sparse.img")));
        assertEquals(0, Files.size(arrived.resolve("sub/empty")));
        assertEquals(Path.of("../random.bin"), Files.readSymbolicLink(arrived.resolve("sub/link")));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(arrived.resolve("random.bin"))));
        assertEquals(when, Files.getLastModifiedTime(arrived.resolve("random.bin")));
        assertEquals("a note", Files.readString(incoming.resolve("note.txt")));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("QubesIncoming"))));
    }

    @Test
    void linksCanBeLeftOutAndSpecialFilesAreRefusedBeforeSending() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("send/t"));
        Files.writeString(tree.resolve("f"), "x");
        Files.createSymbolicLink(tree.resolve("l"), Path.of("f"));
        assertTrue(copy(List.of(tree), true).verified());
        assertFalse(Files.exists(incoming.resolve("t/l"), LinkOption.NOFOLLOW_LINKS));
        Process fifo = new ProcessBuilder("mkfifo", tree.resolve("pipe").toString()).start();
        assertEquals(0, fifo.waitFor());
        java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> FileCopyPacker.scan(List.of(tree), false));
        assertTrue(refused.getMessage().contains("only files, directories and symbolic links"), refused.getMessage());
    }

    @Test
    void anExistingNameIsNeverOverwritten() throws Exception {
        Files.createDirectories(incoming);
        Files.writeString(incoming.resolve("note.txt"), "old");
        Path note = Files.writeString(dir.resolve("note.txt"), "new");
        FileCopyPacker.Outcome outcome = copy(List.of(note), false);
        assertEquals(Errno.EEXIST, outcome.result().errno());
        assertEquals("note.txt", outcome.result().lastName());
        assertFalse(outcome.verified());
        assertEquals("old", Files.readString(incoming.resolve("note.txt")));
    }

    @Test
    void anAnswerWithTheWrongCrcIsNotASuccess() throws Exception {
        Path note = Files.writeString(dir.resolve("note.txt"), "data");
        PipedOutputStream toGuest = new PipedOutputStream();
        PipedInputStream guestIn = new PipedInputStream(toGuest, 1 << 16);
        PipedOutputStream toHost = new PipedOutputStream();
        PipedInputStream hostIn = new PipedInputStream(toHost, 1 << 16);
        // A receiver that reads everything and claims success, but with a CRC off by one (damage in transit).
        CompletableFuture<Void> liar = CompletableFuture.runAsync(() -> {
            try {
                CRC32 crc = new CRC32();
                byte[] buffer = new byte[4096];
                int n;
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                while (all.size() < 32 || !endsWithEndHeader(all.toByteArray())) {
                    n = guestIn.read(buffer);
                    all.write(buffer, 0, n);
                }
                crc.update(all.toByteArray());
                new CopyResult(0, crc.getValue() + 1, "note.txt").write(toHost);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        FileCopyPacker.Outcome outcome = FileCopyPacker.send(FileCopyPacker.scan(List.of(note), false), toGuest, hostIn, sent -> { });
        liar.get();
        assertTrue(outcome.result().succeeded());
        assertFalse(outcome.verified(), "the receiver did not get what we sent");
    }

    private static boolean endsWithEndHeader(byte[] bytes) {
        for (int i = bytes.length - 32; i < bytes.length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    // ---- hostile streams, written byte by byte ----

    /** Builds a raw stream. */
    private static final class Stream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Stream entry(String name, int mode, long length, byte[] content, int nsec) {
            byte[] encoded = (name + "\0").getBytes(StandardCharsets.UTF_8);
            bytes.writeBytes(new FileHeader(encoded.length, mode, length, 1, nsec, 1, nsec).encode());
            bytes.writeBytes(encoded);
            bytes.writeBytes(content);
            return this;
        }

        Stream file(String name, String content) {
            byte[] data = content.getBytes(StandardCharsets.UTF_8);
            return entry(name, FileHeader.S_IFREG | 0644, data.length, data, 0);
        }

        Stream dir(String name) {
            return entry(name, FileHeader.S_IFDIR | 0755, 0, new byte[0], 0);
        }

        Stream link(String name, String target) {
            byte[] data = target.getBytes(StandardCharsets.UTF_8);
            return entry(name, FileHeader.S_IFLNK | 0777, data.length, data, 0);
        }

        byte[] end() {
            bytes.writeBytes(FileHeader.END.encode());
            return bytes.toByteArray();
        }
    }

    /** Every file under the test directory except what is inside QubesIncoming/host. */
    private List<String> outsideIncoming() throws Exception {
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> !p.startsWith(incoming) && !p.equals(home) && !p.equals(home.resolve("QubesIncoming")))
                    .filter(p -> !p.equals(dir)).map(Path::toString).toList();
        }
    }

    private void assertRefused(int errno, byte[] stream) throws Exception {
        List<String> before = outsideIncoming();
        CopyResult result = receive(stream);
        assertEquals(errno, result.errno(), Errno.describe(result.errno()));
        assertEquals(before, outsideIncoming(), "nothing written outside QubesIncoming/host");
    }

    @Test
    void namesThatEscapeAreRefused() throws Exception {
        assertRefused(Errno.EINVAL, new Stream().file("../evil", "x").end());
        assertRefused(Errno.EINVAL, new Stream().file("/tmp/evil", "x").end());
        assertRefused(Errno.EINVAL, new Stream().dir("a").file("a//b", "x").end());
        assertRefused(Errno.EINVAL, new Stream().dir("a").file("a/./b", "x").end());
        assertRefused(Errno.EINVAL, new Stream().file("trailing/", "x").end());
        assertRefused(Errno.EINVAL, new Stream().file("bidi\u202etxt.exe", "x").end());
        assertRefused(Errno.EINVAL, new Stream().dir("d").link("d/l", "../../outside").end());
        assertRefused(Errno.EINVAL, new Stream().link("toplevel", "x").end());
    }

    @Test
    void aLinkPlantedInTheTreeIsNeverFollowed() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createDirectories(incoming);
        Files.createSymbolicLink(incoming.resolve("d"), outside);
        CopyResult result = receive(new Stream().file("d/x", "payload").end());
        assertTrue(result.errno() == Errno.ELOOP || result.errno() == Errno.ENOTDIR, Errno.describe(result.errno()));
        try (var files = Files.list(outside)) {
            assertEquals(0, files.count());
        }
        // The stream's own links are no way through either.
        CopyResult viaOwnLink = receive(new Stream().dir("a").dir("a/b").link("a/b/up", "..").file("a/b/up/x", "y").end());
        assertTrue(viaOwnLink.errno() == Errno.ELOOP || viaOwnLink.errno() == Errno.ENOTDIR, Errno.describe(viaOwnLink.errno()));
    }

    @Test
    void brokenStreamsAreRefused() throws Exception {
        byte[] truncated = java.util.Arrays.copyOf(new Stream().file("t", "0123456789".repeat(10)).end(), 32 + 2 + 10);
        assertRefused(Errno.EIO, truncated);
        assertFalse(Files.exists(incoming.resolve("t")), "the half-received file is removed");

        ByteArrayOutputStream longName = new ByteArrayOutputStream();
        longName.writeBytes(new FileHeader(20000, FileHeader.S_IFREG | 0644, 0, 0, 0, 0, 0).encode());
        longName.writeBytes(new byte[20000]);
        assertRefused(Errno.ENAMETOOLONG, longName.toByteArray());

        assertRefused(Errno.EINVAL, new Stream().entry("dev", 0020000 | 0644, 0, new byte[0], 0).end());
        assertRefused(Errno.EINVAL, new Stream().entry("fifo", 0010000 | 0644, 0, new byte[0], 0).end());
        assertRefused(Errno.EINVAL, new Stream().entry("time", FileHeader.S_IFREG | 0644, 0, new byte[0], 1_000_000_000).end());
        ByteArrayOutputStream noNul = new ByteArrayOutputStream();
        noNul.writeBytes(new FileHeader(3, FileHeader.S_IFREG | 0644, 0, 0, 0, 0, 0).encode());
        noNul.writeBytes("abc".getBytes());
        assertRefused(Errno.EINVAL, noNul.toByteArray());

        Random random = new Random(7);
        for (int i = 0; i < 50; i++) {
            byte[] noise = new byte[random.nextInt(4096) + 1];
            random.nextBytes(noise);
            List<String> before = outsideIncoming();
            assertTrue(receive(noise).errno() != 0, "random bytes are not a valid stream");
            assertEquals(before, outsideIncoming());
        }
    }

    @Test
    void theAnswerCarriesTheCrcOfEverythingReceived() throws Exception {
        byte[] stream = new Stream().file("a", "hello").end();
        CRC32 crc = new CRC32();
        crc.update(stream);
        CopyResult result = receive(stream);
        assertEquals(0, result.errno());
        assertEquals(crc.getValue(), result.crc32());
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        result.write(answer);
        assertEquals(result, CopyResult.read(new ByteArrayInputStream(answer.toByteArray())));
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0}, java.util.Arrays.copyOf(answer.toByteArray(), 8));
    }
}
