package org.qvm.guest.filecopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
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
import org.qvm.guest.files.Errno;
import org.qvm.guest.files.FileStatus;

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
        try (IncomingTree tree = IncomingTree.open(home, "QubesIncoming/host")) {
            return new FileCopyUnpacker(tree).receive(Channels.newChannel(new ByteArrayInputStream(stream)));
        }
    }

    /** Packer and unpacker joined by a pipe, as over a socket; the answer comes back as it would. */
    private FileCopyPacker.Outcome copy(List<Path> sources, boolean ignoreSymlinks) throws Exception {
        FileCopyPacker.Manifest manifest = FileCopyPacker.scan(sources, ignoreSymlinks);
        Pipe pipe = Pipe.open();
        CompletableFuture<CopyResult> guest = CompletableFuture.supplyAsync(() -> {
            try (IncomingTree tree = IncomingTree.open(home, "QubesIncoming/host"); Pipe.SourceChannel in = pipe.source()) {
                CopyResult result = new FileCopyUnpacker(tree).receive(in);
                // Like the agent: read what is left, so the sender is never stuck on a full pipe.
                ByteBuffer rest = ByteBuffer.allocate(1 << 16);
                while (in.read(rest.clear()) >= 0) {
                    continue;
                }
                return result;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long crc;
        try (Pipe.SinkChannel out = pipe.sink()) {
            crc = FileCopyPacker.send(manifest, out, sent -> { });
        }
        return new FileCopyPacker.Outcome(guest.get(), crc);
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
    void anAnswerWithTheWrongCrcIsNotASuccessAndQubesShortAnswerIsAnAnswer() throws Exception {
        Path note = Files.writeString(dir.resolve("note.txt"), "data");
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        long crc = FileCopyPacker.send(FileCopyPacker.scan(List.of(note), false), Channels.newChannel(sent), bytes -> { });
        CRC32 expected = new CRC32();
        expected.update(sent.toByteArray());
        assertEquals(expected.getValue(), crc);
        assertTrue(endsWithEndHeader(sent.toByteArray()));
        // A receiver that claims success with a CRC off by one (damage in transit).
        ByteArrayOutputStream lie = new ByteArrayOutputStream();
        new CopyResult(0, crc + 1, "note.txt").write(lie);
        FileCopyPacker.Outcome outcome = new FileCopyPacker.Outcome(CopyResult.read(new ByteArrayInputStream(lie.toByteArray())), crc);
        assertTrue(outcome.result().succeeded());
        assertFalse(outcome.verified(), "the receiver did not get what we sent");
        // Qubes' receiver may answer with the 16-byte header alone.
        byte[] shortAnswer = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(0)
                .putLong(0x1234).array();
        assertEquals(new CopyResult(0, 0x1234, ""), CopyResult.read(new ByteArrayInputStream(shortAnswer)));
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> CopyResult.read(new ByteArrayInputStream(java.util.Arrays.copyOf(lie.toByteArray(), 18))),
                "an answer that ends inside the name's length is broken");
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
            return entry(name, FileStatus.S_IFREG | 0644, data.length, data, 0);
        }

        Stream dir(String name) {
            return entry(name, FileStatus.S_IFDIR | 0755, 0, new byte[0], 0);
        }

        Stream link(String name, String target) {
            byte[] data = target.getBytes(StandardCharsets.UTF_8);
            return entry(name, FileStatus.S_IFLNK | 0777, data.length, data, 0);
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
    void namesThatEscapeOrHideAreRefusedWithQubesErrorNumbers() throws Exception {
        assertRefused(Errno.EILSEQ, new Stream().file("../evil", "x").end());
        assertRefused(Errno.EILSEQ, new Stream().file("/tmp/evil", "x").end());
        assertRefused(Errno.EILSEQ, new Stream().dir("a").file("a//b", "x").end());
        assertRefused(Errno.EILSEQ, new Stream().dir("a").file("a/./b", "x").end());
        assertRefused(Errno.EILSEQ, new Stream().file("trailing/", "x").end());
        assertRefused(Errno.EILSEQ, new Stream().file("bidi\u202etxt.exe", "x").end());
        assertRefused(Errno.EILSEQ, new Stream().file("no\u00a0break", "x").end());
        assertRefused(Errno.ENOLINK, new Stream().dir("d").link("d/l", "../../outside").end());
        assertRefused(Errno.ENOLINK, new Stream().dir("d").link("d/l", "/etc/passwd").end());
        assertRefused(Errno.ENOLINK, new Stream().link("toplevel", "x").end());
        assertRefused(Errno.EDQUOT, new Stream().entry("huge", FileStatus.S_IFREG | 0644, -1, new byte[0], 0).end());
    }

    @Test
    void linkTargetsThatStayInsideTheTreeArriveAsTheyWereWritten() throws Exception {
        CopyResult result = receive(new Stream().dir("t").dir("t/sub").file("t/f", "x").link("t/dot", "./f")
                .link("t/slash", "sub/").link("t/double", "sub//f").link("t/sub/up", "../f").end());
        assertEquals(0, result.errno(), Errno.describe(result.errno()));
        assertEquals("./f", Files.readSymbolicLink(incoming.resolve("t/dot")).toString());
        assertEquals("sub/", Files.readSymbolicLink(incoming.resolve("t/slash")).toString());
        assertEquals("sub//f", Files.readSymbolicLink(incoming.resolve("t/double")).toString());
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
        assertRefused(Errno.EREMOTEIO, truncated);
        assertFalse(Files.exists(incoming.resolve("t")), "the half-received file never gets its name");

        ByteArrayOutputStream longName = new ByteArrayOutputStream();
        longName.writeBytes(new FileHeader(20000, FileStatus.S_IFREG | 0644, 0, 0, 0, 0, 0).encode());
        longName.writeBytes(new byte[20000]);
        assertRefused(Errno.ENAMETOOLONG, longName.toByteArray());

        assertRefused(Errno.EINVAL, new Stream().entry("dev", 0020000 | 0644, 0, new byte[0], 0).end());
        assertRefused(Errno.EINVAL, new Stream().entry("fifo", 0010000 | 0644, 0, new byte[0], 0).end());
        assertRefused(Errno.EINVAL, new Stream().entry("time", FileStatus.S_IFREG | 0644, 0, new byte[0], 1_000_000_000).end());
        ByteArrayOutputStream noNul = new ByteArrayOutputStream();
        noNul.writeBytes(new FileHeader(3, FileStatus.S_IFREG | 0644, 0, 0, 0, 0, 0).encode());
        noNul.writeBytes("abc".getBytes());
        assertRefused(Errno.EILSEQ, noNul.toByteArray());

        Random random = new Random(7);
        for (int i = 0; i < 50; i++) {
            byte[] noise = new byte[random.nextInt(4096) + 1];
            random.nextBytes(noise);
            List<String> before = outsideIncoming();
            assertTrue(receive(noise).errno() != 0, "random bytes are not a valid stream");
            assertEquals(before, outsideIncoming());
        }
    }

    private static byte[] bytes(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    /** Where the packer writes, as a connection would; {@code onWrite} runs once, after the first bytes went out. */
    private static final class Recording implements java.nio.channels.WritableByteChannel {
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        private Runnable onWrite;

        Recording(Runnable onWrite) {
            this.onWrite = onWrite;
        }

        @Override
        public int write(ByteBuffer buffer) {
            int n = buffer.remaining();
            byte[] chunk = new byte[n];
            buffer.get(chunk);
            sent.writeBytes(chunk);
            if (onWrite != null) {
                Runnable once = onWrite;
                onWrite = null;
                once.run();
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }

        boolean contains(String text) {
            return sent.toString(StandardCharsets.ISO_8859_1).contains(text);
        }
    }

    @Test
    void timesBefore1970TravelAsQubesSendsThem() throws Exception {
        Path old = Files.writeString(dir.resolve("old.txt"), "x");
        try (org.qvm.guest.files.Directory directory = org.qvm.guest.files.Directory.open(dir)) {
            // 1.5 s before 1970: the kernel keeps it as -2 s and 500000000 ns.
            directory.setTimes(bytes("old.txt"), -2, 500_000_000, -2, 500_000_000);
        }
        Recording channel = new Recording(null);
        FileCopyPacker.send(FileCopyPacker.scan(List.of(old), false), channel, sent -> { });
        FileHeader header = FileHeader.decode(java.util.Arrays.copyOf(channel.sent.toByteArray(), FileHeader.SIZE));
        assertEquals(0xFFFF_FFFEL, header.mtime(), "-2 s, cut to 32 bits");
        assertEquals(500_000_000, header.mtimeNsec(), "nanoseconds are never negative");
        assertEquals(0xFFFF_FFFEL, header.atime());
        assertEquals(500_000_000, header.atimeNsec());
    }

    @Test
    void aReadOnlyDirectoryIsFilledFirstAndGetsItsModeOnItsClosingHeader() throws Exception {
        byte[] stream = new Stream().entry("ro", FileStatus.S_IFDIR | 0555, 0, new byte[0], 0).file("ro/f", "inside")
                .entry("ro", FileStatus.S_IFDIR | 0555, 0, new byte[0], 0).end();
        CopyResult result;
        if (org.qvm.testsupport.Privileged.isRoot()) {
            // Root ignores modes: receive as an ordinary user, as the agent does for its user.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setAttribute(home, "unix:uid", 65534);
            result = org.qvm.guest.files.FsIdentity.runAs(65534, 65534, () -> receive(stream));
        } else {
            result = receive(stream);
        }
        assertEquals(0, result.errno(), Errno.describe(result.errno()));
        assertEquals("inside", Files.readString(incoming.resolve("ro/f")));
        assertEquals("r-xr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(incoming.resolve("ro"))));
    }

    @Test
    void aSourceThatShrinksOrIsReplacedEndsTheCopyAtOnce() throws Exception {
        Path file = Files.write(dir.resolve("shrinks.bin"), new byte[1 << 20]);
        FileCopyPacker.Manifest manifest = FileCopyPacker.scan(List.of(file), false);
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(1000);
        }
        FileCopyPacker.SourceException shrunk = org.junit.jupiter.api.Assertions.assertThrows(
                FileCopyPacker.SourceException.class, () -> FileCopyPacker.send(manifest, new Recording(null), sent -> { }));
        assertTrue(shrunk.getMessage().contains("shrinks.bin became shorter while it was being copied"), shrunk.getMessage());

        Path replaced = Files.writeString(dir.resolve("replaced.txt"), "innocent");
        FileCopyPacker.Manifest before = FileCopyPacker.scan(List.of(replaced), false);
        // The old file lives on elsewhere (so the new one cannot take its inode number).
        Files.move(replaced, dir.resolve("kept-aside"));
        Files.writeString(dir.resolve("other"), "SECRET!!");
        Files.move(dir.resolve("other"), replaced);
        Recording channel = new Recording(null);
        FileCopyPacker.SourceException swapped = org.junit.jupiter.api.Assertions.assertThrows(
                FileCopyPacker.SourceException.class, () -> FileCopyPacker.send(before, channel, sent -> { }));
        assertTrue(swapped.getMessage().contains("was replaced while it was being copied"), swapped.getMessage());
        assertFalse(channel.contains("SECRET"));

        Path fifo = Files.writeString(dir.resolve("fifo"), "x");
        FileCopyPacker.Manifest withFile = FileCopyPacker.scan(List.of(fifo), false);
        Files.delete(fifo);
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () ->
                org.junit.jupiter.api.Assertions.assertThrows(FileCopyPacker.SourceException.class,
                        () -> FileCopyPacker.send(withFile, new Recording(null), sent -> { })),
                "a FIFO swapped in is never opened for reading (that would wait for a writer)");
    }

    /** A tree whose directory 'sub' is swapped, mid-copy, for a link to a private directory holding a file of the same name. */
    @Test
    void aDirectorySwappedForALinkMidCopyIsNeverFollowed() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("share/tree"));
        Files.writeString(tree.resolve("a.txt"), "first");
        Files.createDirectories(tree.resolve("sub"));
        Files.writeString(tree.resolve("sub/notes.txt"), "innocent");
        Path secret = Files.createDirectories(dir.resolve("private"));
        Files.writeString(secret.resolve("notes.txt"), "SECRET");
        FileCopyPacker.Manifest manifest = FileCopyPacker.scan(List.of(tree), false);
        Recording channel = new Recording(() -> {
            try {
                Files.move(tree.resolve("sub"), tree.resolve("sub.old"));
                Files.createSymbolicLink(tree.resolve("sub"), secret);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        FileCopyPacker.SourceException stopped = org.junit.jupiter.api.Assertions.assertThrows(
                FileCopyPacker.SourceException.class, () -> FileCopyPacker.send(manifest, channel, sent -> { }));
        assertTrue(stopped.getMessage().contains("tree/sub"), stopped.getMessage());
        assertTrue(channel.contains("first"), "the copy had begun");
        assertFalse(channel.contains("SECRET"), "nothing from behind the link was sent");
    }

    @Test
    void aMoveRemovesOnlyWhatItSentThroughTheDirectoriesItWalked() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("share/tree"));
        Files.writeString(tree.resolve("a.txt"), "sent");
        Files.createDirectories(tree.resolve("sub"));
        Files.writeString(tree.resolve("sub/notes.txt"), "sent");
        Files.writeString(tree.resolve("b.txt"), "sent");
        Path outside = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(outside.resolve("notes.txt"), "not yours");
        FileCopyPacker.Manifest manifest = FileCopyPacker.scan(List.of(tree), false);
        // After the copy, before the sources go: sub becomes a link to elsewhere, b.txt another file.
        Files.move(tree.resolve("sub"), dir.resolve("sub.moved"));
        Files.createSymbolicLink(tree.resolve("sub"), outside);
        Files.move(tree.resolve("b.txt"), dir.resolve("b.txt.kept"));
        Files.writeString(tree.resolve("b.txt"), "written after the copy");

        List<String> kept = FileCopyPacker.removeSent(manifest);

        assertEquals("not yours", Files.readString(outside.resolve("notes.txt")), "nothing outside the tree is removed");
        assertEquals("written after the copy", Files.readString(tree.resolve("b.txt")));
        assertFalse(Files.exists(tree.resolve("a.txt")), "what was sent and is still there goes");
        assertTrue(Files.exists(dir.resolve("sub.moved/notes.txt")), "a directory moved away is not followed");
        assertTrue(kept.stream().anyMatch(k -> k.startsWith("tree/sub and what is in it")), kept.toString());
        assertTrue(kept.stream().anyMatch(k -> k.startsWith("tree/b.txt (it was replaced")), kept.toString());
    }

    @Test
    void namesAVmWouldRefuseAreRefusedBeforeAnythingIsSent() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("send/named"));
        byte[] path = java.util.Arrays.copyOf(bytes(tree + "/bad"), tree.toString().length() + 5);
        path[path.length - 1] = (byte) 0xff;
        org.qvm.guest.transport.LibC libc = org.qvm.guest.transport.LibC.INSTANCE;
        libc.close(libc.openat(org.qvm.guest.transport.LibC.AT_FDCWD, org.qvm.guest.transport.LibC.path(path),
                org.qvm.guest.transport.LibC.O_CREAT | org.qvm.guest.transport.LibC.O_WRONLY, 0644));
        FileCopyPacker.SourceException notUtf8 = org.junit.jupiter.api.Assertions.assertThrows(
                FileCopyPacker.SourceException.class, () -> FileCopyPacker.scan(List.of(tree), false));
        assertTrue(notUtf8.getMessage().contains("not valid UTF-8"), notUtf8.getMessage());
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
