package org.qvm.guest.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.guest.filecopy.CopyResult;
import org.qvm.guest.filecopy.FileHeader;
import org.qvm.guest.files.Errno;
import org.qvm.guest.files.FileStatus;
import org.qvm.guest.protocol.FrameReader;
import org.qvm.guest.protocol.FrameType;
import org.qvm.guest.protocol.FrameWriter;
import org.qvm.guest.protocol.Payloads;
import org.qvm.guest.transport.GuestSocket;
import org.qvm.guest.transport.HybridVsock;
import org.qvm.testsupport.Privileged;

/**
 * The attack of an unprivileged user inside a guest on the agent (root) while it unpacks a large
 * copy into that user's QubesIncoming: the user swaps names in the incoming tree for symbolic
 * links to root's files, as root's final chmod or chown would follow them. The real agent, as
 * root, delivers to the user {@code nobody}; the attacker's commands run as nobody (runuser).
 * Nothing outside the incoming tree may change.
 */
class IncomingSwapTest {
    private static final int NOBODY = 65534;

    @TempDir
    Path dir;
    Path home;
    Path incoming;
    Path victim;
    Path victimDir;
    AgentServer server;

    @BeforeEach
    void start() throws Exception {
        Privileged.requireRoot("runuser");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        home = Files.createDirectories(dir.resolve("home"));
        Files.setAttribute(home, "unix:uid", NOBODY);
        Files.setAttribute(home, "unix:gid", NOBODY);
        incoming = home.resolve("QubesIncoming/host");
        victim = Files.writeString(dir.resolve("root-only.conf"), "secret");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
        victimDir = Files.createDirectories(dir.resolve("root-only.d"));
        Files.setPosixFilePermissions(victimDir, PosixFilePermissions.fromString("rwx------"));
        AgentSettings settings = new AgentSettings("nobody", home, List.of("true"), List.of("true"), 8);
        server = Agents.serving(dir.resolve("vsock.sock"), settings);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** The host's side of one copy, written by hand so that it can stop in the middle of a file. */
    private final class Copy implements AutoCloseable {
        final GuestSocket socket = HybridVsock.connect(dir.resolve("vsock.sock"), 5000,
                System.nanoTime() + Duration.ofSeconds(10).toNanos());

        Copy() throws Exception {
            FrameWriter out = new FrameWriter(socket.output());
            out.write(FrameType.HELLO, Payloads.u16(1));
            new FrameReader(socket.input()).expect(FrameType.HELLO);
            out.writeEmpty(FrameType.FILECOPY);
        }

        Copy header(String name, int mode, long length) throws Exception {
            byte[] encoded = (name + "\0").getBytes(StandardCharsets.UTF_8);
            socket.output().write(new FileHeader(encoded.length, mode, length, 1, 0, 1, 0).encode());
            socket.output().write(encoded);
            return this;
        }

        Copy content(int bytes) throws Exception {
            socket.output().write(new byte[bytes]);
            return this;
        }

        interface Rest {
            void send() throws Exception;
        }

        /** Sends the rest and the end; if the agent stopped reading first, reads its answer all the same. */
        CopyResult restOrAnswer(Rest rest) throws Exception {
            try {
                rest.send();
                return end();
            } catch (java.io.IOException refusedEarly) {
                return CopyResult.read(socket.input());
            }
        }

        CopyResult end() throws Exception {
            socket.output().write(FileHeader.END.encode());
            return CopyResult.read(socket.input());
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** Runs a shell command as the guest's user (nobody) in the incoming directory. */
    private void asGuestUser(String command) throws Exception {
        Process process = new ProcessBuilder("runuser", "-u", "nobody", "--", "sh", "-c", command).directory(incoming.toFile())
                .redirectErrorStream(true).start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), command + ": " + output);
    }

    private void awaitExists(Path path) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + path);
            Thread.onSpinWait();
        }
    }

    private String victimState() throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(victim)) + " "
                + Files.getAttribute(victim, "unix:uid") + " " + Files.readString(victim) + " | "
                + PosixFilePermissions.toString(Files.getPosixFilePermissions(victimDir)) + " "
                + Files.getAttribute(victimDir, "unix:uid") + " " + List.of(victimDir.toFile().list());
    }

    @Test
    void aLinkPlantedWhereALargeFileWillLandChangesNothingOutside() throws Exception {
        String before = victimState();
        try (Copy copy = new Copy()) {
            copy.header("d", FileStatus.S_IFDIR | 0777, 0).header("d/big.iso", FileStatus.S_IFREG | 0666, 8 << 20)
                    .content(4 << 20);
            awaitExists(incoming.resolve("d"));
            assertFalse(Files.exists(incoming.resolve("d/big.iso"), LinkOption.NOFOLLOW_LINKS),
                    "a file still arriving has no name yet: the user cannot even see it");
            asGuestUser("ln -s " + victim + " d/big.iso");
            // The agent refuses as soon as big.iso is complete and its name is taken, and stops
            // reading: the closing header may then find the connection gone. Its answer still
            // says why, as the host's client reads it.
            CopyResult result = copy.restOrAnswer(() -> copy.content(4 << 20).header("d", FileStatus.S_IFDIR | 0777, 0));
            assertEquals(Errno.EEXIST, result.errno(), Errno.describe(result.errno()));
            assertEquals("d/big.iso", result.lastName());
        }
        assertEquals(before, victimState(), "the root-owned file is as it was");
        assertEquals(NOBODY, Files.getAttribute(incoming.resolve("d"), "unix:uid"), "what the agent makes is the user's");
    }

    @Test
    void aDirectorySwappedForALinkMidCopyLeadsNowhere() throws Exception {
        String before = victimState();
        try (Copy copy = new Copy()) {
            copy.header("e", FileStatus.S_IFDIR | 0777, 0).header("e/x", FileStatus.S_IFREG | 0666, 8 << 20).content(4 << 20);
            awaitExists(incoming.resolve("e"));
            asGuestUser("mv e e.real && ln -s " + victimDir + " e");
            CopyResult result = copy.restOrAnswer(() -> copy.content(4 << 20).header("e/y", FileStatus.S_IFREG | 04777, 3)
                    .content(3).header("e", FileStatus.S_IFDIR | 0777, 0));
            assertTrue(result.errno() == Errno.ELOOP || result.errno() == Errno.ENOTDIR, Errno.describe(result.errno()));
            assertEquals("e/y", result.lastName());
        }
        assertEquals(before, victimState(), "nothing was created in, or changed about, the root-only directory");
        assertEquals(8 << 20, Files.size(incoming.resolve("e.real/x")), "the file in flight landed in the directory it began in");
        assertEquals(NOBODY, Files.getAttribute(incoming.resolve("e.real/x"), "unix:uid"));
    }
}
