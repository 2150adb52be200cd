package org.qvm.guest.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.guest.client.GuestClient;
import org.qvm.guest.client.GuestEndpoint;
import org.qvm.guest.filecopy.FileCopyPacker;
import org.qvm.guest.files.Directory;
import org.qvm.guest.transport.LibC;

/**
 * File names are bytes, whatever the locale: with no LANG at all (the POSIX locale, which is what
 * a systemd service in a guest gets, and in which the JVM decodes file names as ASCII), the
 * packer and the agent, each in a JVM of its own, still send and create every name as its exact
 * UTF-8 bytes.
 */
class LocaleFreeCopyTest {
    private static final List<String> NAMES = List.of("naïve.txt", "Ωmega", "日本", "日本/ファイル.txt", "Ωmega/файл");

    @TempDir
    Path dir;
    final List<Process> children = new ArrayList<>();

    @AfterEach
    void stop() {
        children.forEach(Process::destroyForcibly);
    }

    /** A JVM like this one, with an empty environment but PATH and HOME. */
    private Process java(Path home, Path output, String main, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("env", "-i", "PATH=" + System.getenv("PATH"), "HOME=" + home,
                ProcessHandle.current().info().command().orElseThrow(), "-cp", System.getProperty("java.class.path"), main));
        argv.addAll(List.of(args));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        children.add(process);
        return process;
    }

    private static byte[] bytes(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    /** Makes the tree by bytes (this JVM's own locale does not matter either). */
    private static void make(Path root) throws Exception {
        try (Directory top = Directory.open(root)) {
            for (String name : NAMES) {
                if (!name.contains(".")) {
                    top.makeDirectory(bytes(name), 0755);
                } else {
                    byte[] path = LibC.path(bytes(root + "/" + name));
                    LibC.INSTANCE.close(LibC.INSTANCE.openat(LibC.AT_FDCWD, path, LibC.O_CREAT | LibC.O_WRONLY, 0644));
                }
            }
        }
    }

    private static List<String> listing(Path root, String prefix) throws Exception {
        List<String> names = new ArrayList<>();
        try (Directory directory = Directory.open(root)) {
            for (byte[] name : directory.names()) {
                String text = prefix + new String(name, StandardCharsets.UTF_8);
                names.add(text);
                if (directory.status(name).isDirectory()) {
                    names.addAll(listing(root.resolve(new String(name, StandardCharsets.UTF_8)), text + "/"));
                }
            }
        }
        return names;
    }

    @Test
    void namesTravelAsTheirUtf8BytesWithTheLocaleUnset() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("send/tree"));
        make(tree);
        Path home = Files.createDirectories(dir.resolve("home"));
        Path socket = dir.resolve("vsock.sock");
        java(home, dir.resolve("agent.log"), QvmAgent.class.getName(), "--listen", "unix:" + socket,
                "--poweroff-command", "true");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.exists(socket)) {
            assertTrue(System.nanoTime() < deadline, "the agent came up: " + Files.readString(dir.resolve("agent.log")));
            Thread.onSpinWait();
        }
        Process packer = java(home, dir.resolve("packer.log"), Packer.class.getName(), tree.toString(), socket.toString());
        assertTrue(packer.waitFor(60, TimeUnit.SECONDS));
        String report = Files.readString(dir.resolve("packer.log"));
        assertEquals(0, packer.exitValue(), report);
        assertNotEquals("UTF-8", report.lines().findFirst().orElse(""), "the packer's JVM really had no UTF-8 locale");
        assertTrue(report.contains("verified"), report);

        List<String> sent = listing(tree, "");
        List<String> arrived = listing(home.resolve("QubesIncoming/host/tree"), "");
        assertEquals(sent, arrived);
        for (String name : NAMES) {
            assertArrayEquals(bytes(name), bytes(arrived.get(arrived.indexOf(name))), name);
        }
    }

    /** The sending side, run in a JVM without a locale: prints its file-name encoding, then the outcome. */
    public static final class Packer {
        public static void main(String[] args) throws Exception {
            System.out.println(System.getProperty("sun.jnu.encoding"));
            FileCopyPacker.Outcome outcome = new GuestClient(new GuestEndpoint.Hybrid(Path.of(args[1]), 5000))
                    .copy(FileCopyPacker.scan(List.of(Path.of(args[0])), false), sent -> { });
            System.out.println(outcome.verified() ? "verified" : "refused: " + outcome.result());
        }
    }
}
