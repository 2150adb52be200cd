package org.qvm.guest.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.guest.client.GuestClient;
import org.qvm.guest.client.GuestEndpoint;
import org.qvm.guest.client.GuestException;
import org.qvm.guest.filecopy.FileCopyPacker;
import org.qvm.guest.protocol.ExecRequest;
import org.qvm.guest.protocol.FrameReader;
import org.qvm.guest.protocol.FrameType;
import org.qvm.guest.protocol.FrameWriter;
import org.qvm.guest.protocol.Payloads;
import org.qvm.guest.transport.GuestSocket;
import org.qvm.guest.transport.HybridVsock;
import org.qvm.guest.transport.LibC;

/** The real agent, in this JVM, on a hybrid-vsock UNIX socket, driven by the real client. */
class AgentTest {
    @TempDir
    Path dir;
    Path socket;
    AgentServer server;
    GuestClient client;
    final List<Long> detached = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("vsock.sock");
        AgentSettings settings = new AgentSettings(System.getProperty("user.name"), Files.createDirectories(dir.resolve("home")),
                List.of("touch", dir.resolve("powered-off").toString()),
                List.of("sh", "-c", "printf '%s\\n' \"$PWD\" \"$1\" >> " + dir.resolve("opened"), "open"), 64);
        server = Agents.serving(socket, settings);
        client = new GuestClient(new GuestEndpoint.Hybrid(socket, 5000));
    }

    @AfterEach
    void stop() throws Exception {
        for (long pid : detached) {
            try {
                LibC.INSTANCE.kill((int) -pid, 9);
            } catch (RuntimeException e) {
                // gone
            }
        }
        server.close();
    }

    private static long deadline() {
        return System.nanoTime() + Duration.ofSeconds(10).toNanos();
    }

    private static ExecRequest shell(String command, boolean passIo) {
        return new ExecRequest(true, passIo, "", "", List.of(command), List.of());
    }

    private record Ran(int status, String out, String err) {
    }

    private Ran run(ExecRequest request, InputStream stdin) throws GuestException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = client.run(request, stdin, out, err, signals -> { });
        return new Ran(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void await(String what, Duration limit, java.util.function.BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(limit);
        while (!condition.getAsBoolean()) {
            assertTrue(Instant.now().isBefore(deadline), "timed out waiting: " + what);
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    @Test
    void answersPingAndRunsACommandWithBothStreamsAndItsStatus() throws Exception {
        client.ping();
        Ran ran = run(shell("echo hi; echo err >&2; exit 3", true), null);
        assertEquals(new Ran(3, "hi\n", "err\n"), ran);
        Ran argv = run(new ExecRequest(false, true, "", dir.toString(), List.of("sh", "-c", "printf '%s|' \"$@\"; pwd; echo $QVM_X",
                "zero", "a b", "$HOME"), List.of("QVM_X=set")), null);
        assertEquals("a b|$HOME|" + dir + "\nset\n", argv.out());
        assertEquals(dir.resolve("home") + "\n", run(shell("pwd", true), null).out(), "commands start in the user's home");
    }

    @Test
    void a100MiBStreamRoundTripsThroughCat() throws Exception {
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        long size = 100L << 20;
        InputStream input = new InputStream() {
            final Random random = new Random(1);
            long left = size;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(length, left);
                byte[] chunk = new byte[n];
                random.nextBytes(chunk);
                sent.update(chunk);
                System.arraycopy(chunk, 0, buffer, offset, n);
                left -= n;
                return n;
            }
        };
        long[] count = {0};
        OutputStream output = new DigestOutputStream(OutputStream.nullOutputStream(), received) {
            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                super.write(b, off, len);
                count[0] += len;
            }
        };
        int status = client.run(new ExecRequest(false, true, "", "", List.of("cat"), List.of()), input, output,
                OutputStream.nullOutputStream(), signals -> { });
        assertEquals(0, status);
        assertEquals(size, count[0]);
        assertEquals(java.util.HexFormat.of().formatHex(sent.digest()), java.util.HexFormat.of().formatHex(received.digest()));
    }

    @Test
    void missingCommandsAndUsersAreRefusedWithQubesStatuses() {
        GuestException notFound = assertThrows(GuestException.class,
                () -> run(new ExecRequest(false, true, "", "", List.of("no-such-command-here"), List.of()), null));
        assertEquals(127, notFound.status());
        assertEquals("command not found: no-such-command-here", notFound.getMessage());
        GuestException noDir = assertThrows(GuestException.class,
                () -> run(new ExecRequest(true, true, "", "/no/such/dir", List.of("true"), List.of()), null));
        assertEquals(126, noDir.status());
        if (!"root".equals(System.getProperty("user.name"))) {
            GuestException otherUser = assertThrows(GuestException.class,
                    () -> run(new ExecRequest(true, true, "nobody", "", List.of("id"), List.of()), null));
            assertEquals(126, otherUser.status());
        }
    }

    @Test
    void asRootACommandRunsAsTheRequestedUser() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "the agent is not root");
        Ran ran = run(new ExecRequest(true, true, "nobody", "/", List.of("id -un"), List.of()), null);
        assertEquals(new Ran(0, "nobody\n", ""), ran);
    }

    @Test
    void withoutPassIoTheCommandRunsOnDetached() throws Exception {
        Instant before = Instant.now();
        int pid = client.startDetached(shell("sleep 1000", false));
        detached.add((long) pid);
        assertTrue(Duration.between(before, Instant.now()).toSeconds() < 5, "returned at once");
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "lives on");
    }

    @Test
    void ctrlCIsForwardedAndTheStatusSaysSo() throws Exception {
        AtomicReference<GuestClient.Signals> signals = new AtomicReference<>();
        java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        OutputStream stdout = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (output) {
                    output.write(b);
                }
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                synchronized (output) {
                    output.write(bytes, offset, length);
                }
            }
        };
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> {
            try {
                return client.run(shell("echo started; exec sleep 100", true), null, stdout,
                        OutputStream.nullOutputStream(), signals::set);
            } catch (GuestException e) {
                throw new IllegalStateException(e);
            }
        });
        // Ctrl-C as a user presses it: once the command runs (before that, the shell may not yet be there to get it).
        await("the command to start", Duration.ofSeconds(10), () -> {
            synchronized (output) {
                return signals.get() != null && output.toString(java.nio.charset.StandardCharsets.UTF_8).contains("started");
            }
        });
        signals.get().send(2);
        assertEquals(130, status.get(10, java.util.concurrent.TimeUnit.SECONDS));
    }

    @Test
    void whenTheHostGoesAwayAPassIoCommandIsHungUp() throws Exception {
        GuestSocket raw = HybridVsock.connect(socket, 5000, deadline());
        FrameWriter out = new FrameWriter(raw.output());
        FrameReader in = new FrameReader(raw.input());
        out.write(FrameType.HELLO, Payloads.u16(1));
        in.expect(FrameType.HELLO);
        out.write(FrameType.EXEC, new ExecRequest(false, true, "", "", List.of("sleep", "1000"), List.of()).encode());
        int pid = Payloads.i32(in.expect(FrameType.STARTED).payload());
        assertTrue(ProcessHandle.of(pid).isPresent());
        raw.close();
        await("the command to be hung up", Duration.ofSeconds(10),
                () -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void hostileConnectionsEndThemselvesOnlyAndTheAgentStaysUp() throws Exception {
        Random random = new Random(3);
        for (int i = 0; i < 20; i++) {
            try (GuestSocket raw = HybridVsock.connect(socket, 5000, deadline())) {
                byte[] noise = new byte[random.nextInt(2000) + 1];
                random.nextBytes(noise);
                raw.output().write(noise);
                raw.shutdownOutput();
                raw.input().readAllBytes();
            } catch (java.io.IOException e) {
                // the agent may close first
            }
        }
        try (GuestSocket raw = HybridVsock.connect(socket, 5000, deadline())) {
            raw.output().write(new byte[] {1, 0, 0, 0, 2, 0, 1, 2, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            FrameReader in = new FrameReader(raw.input());
            in.expect(FrameType.HELLO);
            assertEquals(FrameType.ERROR, in.read().type(), "an oversized EXEC frame is refused");
        }
        assertThrows(java.io.IOException.class, () -> HybridVsock.connect(socket, 1234, deadline()), "another port is not served");
        List<CompletableFuture<Void>> pings = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            pings.add(CompletableFuture.runAsync(() -> {
                try {
                    client.ping();
                } catch (GuestException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new)).get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void filesArriveInQubesIncomingOfTheAgentsUser() throws Exception {
        Path note = Files.writeString(dir.resolve("note.txt"), "hello");
        FileCopyPacker.Outcome outcome = client.copy(FileCopyPacker.scan(List.of(note), false), sent -> { });
        assertTrue(outcome.verified(), outcome.toString());
        assertEquals("hello", Files.readString(dir.resolve("home/QubesIncoming/host/note.txt")));
    }

    @Test
    void aCopyThatNamesItsSourceVmLandsInThatVmsIncomingAndNoOtherName() throws Exception {
        Path note = Files.writeString(dir.resolve("from-dev.txt"), "from dev");
        assertTrue(client.copy(FileCopyPacker.scan(List.of(note), false), sent -> { }, "dev").verified());
        assertEquals("from dev", Files.readString(dir.resolve("home/QubesIncoming/dev/from-dev.txt")));
        for (String bad : List.of("../etc", "Dev", "a/b", "toolongavmname", ".")) {
            FileCopyPacker.Outcome refused = client.copy(FileCopyPacker.scan(List.of(note), false), sent -> { }, bad);
            assertEquals(org.qvm.guest.files.Errno.EINVAL, refused.result().errno(), bad + ": " + refused);
        }
        assertEquals(List.of("dev"), Files.list(dir.resolve("home/QubesIncoming")).map(p -> p.getFileName().toString())
                .sorted().toList(), "nothing else was made");
    }

    /** The open command's log: for each open, the directory it ran in and what it opened. */
    private List<String> opened(int lines) throws Exception {
        Path log = dir.resolve("opened");
        await(lines / 2 + " opens", Duration.ofSeconds(10), () -> {
            try {
                return Files.exists(log) && Files.readAllLines(log).size() >= lines;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        return Files.readAllLines(log);
    }

    @Test
    void aFileToOpenLandsInADirectoryOfItsOwnAndIsOpenedThere() throws Exception {
        Path pdf = Files.writeString(dir.resolve("a.pdf"), "%PDF");
        assertTrue(client.openFile(FileCopyPacker.scan(List.of(pdf), false), sent -> { }, "dev").verified());
        // The directories of this second and the next ones exist already (an open in the same second).
        java.time.format.DateTimeFormatter format = java.time.format.DateTimeFormatter.ofPattern("'opened-'yyyyMMdd-HHmmss");
        java.time.LocalDateTime now = java.time.LocalDateTime.now();
        List<String> taken = new ArrayList<>();
        for (int second = 0; second < 10; second++) {
            String name = format.format(now.plusSeconds(second));
            Files.createDirectories(dir.resolve("home/QubesIncoming/dev").resolve(name));
            taken.add(name);
        }
        assertTrue(client.openFile(FileCopyPacker.scan(List.of(pdf), false), sent -> { }, "dev").verified());
        List<String> log = opened(4);
        Path first = Path.of(log.get(1));
        Path second = Path.of(log.get(3));
        assertEquals(first.getParent().toString(), log.get(0), "the opener runs in the file's directory");
        assertEquals(dir.resolve("home/QubesIncoming/dev"), first.getParent().getParent());
        assertTrue(first.getParent().getFileName().toString().matches("opened-\\d{8}-\\d{6}"), first.toString());
        String secondDirectory = second.getParent().getFileName().toString();
        assertTrue(secondDirectory.endsWith("-2") && taken.contains(secondDirectory.substring(0, secondDirectory.length() - 2)),
                "a name that is taken gets -2: " + secondDirectory);
        assertEquals("%PDF", Files.readString(first));
        assertEquals("%PDF", Files.readString(second));
    }

    @Test
    void anOpenForADisposableIsWaitedForUntilTheViewerExits() throws Exception {
        Path pdf = Files.writeString(dir.resolve("a.pdf"), "%PDF");
        Path close = dir.resolve("close");
        AgentSettings settings = new AgentSettings(System.getProperty("user.name"), dir.resolve("home"), List.of("true"),
                List.of("sh", "-c", "echo \"$1\" >> " + dir.resolve("viewed") + "; while [ ! -e " + close + " ]; do sleep 0.05; done; "
                        + "case \"$1\" in https:*) exit 3;; esac", "viewer"), 64);
        Path viewerSocket = dir.resolve("viewer.sock");
        try (AgentServer viewer = Agents.serving(viewerSocket, settings)) {
            GuestClient viewing = new GuestClient(new GuestEndpoint.Hybrid(viewerSocket, 5000));
            java.util.concurrent.CompletableFuture<Integer> file = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return viewing.openFileAndWait(FileCopyPacker.scan(List.of(pdf), false), sent -> { }, "");
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            await("the viewer to run", java.time.Duration.ofSeconds(30),
                    () -> Files.exists(dir.resolve("viewed")));
            assertFalse(file.isDone(), "the open is not over while the viewer runs");
            Files.writeString(close, "");
            assertEquals(0, file.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(Files.readString(dir.resolve("viewed")).contains("/QubesIncoming/host/opened-"));
            assertEquals(3, viewing.openUrlAndWait("https://example.org/"), "the viewer's exit status comes back");
            GuestException refused = assertThrows(GuestException.class, () -> viewing.openUrlAndWait("file:///etc/shadow"));
            assertEquals(126, refused.status());
        }
    }

    @Test
    void onlyOneRegularFileIsOpenedAndOnlyWebUrls() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(tree.resolve("inner.txt"), "x");
        GuestException notOne = assertThrows(GuestException.class,
                () -> client.openFile(FileCopyPacker.scan(List.of(tree), false), sent -> { }, "dev"));
        assertEquals(126, notOne.status());
        assertTrue(notOne.getMessage().contains("only a single regular file"), notOne.getMessage());

        GuestException script = assertThrows(GuestException.class, () -> client.openUrl("javascript://%0Aalert(1)"));
        assertEquals(126, script.status());
        assertTrue(script.getMessage().contains("only http, https and ftp"), script.getMessage());
        client.openUrl("https://example.org/?q=1");
        assertEquals(List.of(dir.resolve("home").toString(), "https://example.org/?q=1"), opened(2),
                "a URL is opened from the user's home, as it is, and nothing before it was");
    }

    @Test
    void anAgentForAUserThatDoesNotExistRefusesToStart() throws Exception {
        Path log = dir.resolve("agent.log");
        Process agent = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), QvmAgent.class.getName(), "--user", "no-such-user-here",
                "--listen", "unix:" + dir.resolve("other.sock")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(agent.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "it does not start serving");
        assertEquals(1, agent.exitValue());
        assertTrue(Files.readString(log).contains("qvm-agent: error: --user no-such-user-here: "), Files.readString(log));
        assertFalse(Files.exists(dir.resolve("other.sock")), "nothing listens");
    }

    @Test
    void aSourceThatShrinksMidCopyEndsItAtOnceAndNothingHalfWrittenArrives() throws Exception {
        Path big = Files.write(dir.resolve("shrinks.bin"), new byte[8 << 20]);
        FileCopyPacker.Manifest manifest = FileCopyPacker.scan(List.of(big), false);
        try (var file = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.WRITE)) {
            file.truncate(3 << 20);
        }
        FileCopyPacker.SourceException stopped = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                Duration.ofSeconds(30), () -> assertThrows(FileCopyPacker.SourceException.class,
                        () -> client.copy(manifest, sent -> { })), "neither side waits for the other");
        assertTrue(stopped.getMessage().contains("became shorter"), stopped.getMessage());
        client.ping();
        assertFalse(Files.exists(dir.resolve("home/QubesIncoming/host/shrinks.bin")), "the partial file never got its name");
    }

    @Test
    void powerOffRunsTheConfiguredCommand() throws Exception {
        client.powerOff();
        await("the power-off command", Duration.ofSeconds(10), () -> Files.exists(dir.resolve("powered-off")));
        assertFalse(Files.exists(dir.resolve("nothing-else")));
    }
}
