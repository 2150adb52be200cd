package org.qvm.guest.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.guest.Deadline;
import org.qvm.guest.filecopy.CopyResult;
import org.qvm.guest.filecopy.FileCopyPacker;
import org.qvm.guest.protocol.ExecRequest;
import org.qvm.guest.protocol.FrameType;
import org.qvm.guest.protocol.Payloads;

/**
 * The host's client against agents that misbehave on purpose: one that stops answering at each
 * step of the protocol must never hang a host tool, and one that sends terminal escapes in its
 * text must not reach the terminal with them.
 */
class HostileGuestTest {
    /** Short limits, so that each silent step is over quickly. */
    static final GuestClient.Limits FAST = new GuestClient.Limits(Duration.ofMillis(300), Duration.ofMillis(300),
            Duration.ofMillis(300));
    /** How long a bounded call may take here before the test calls it a hang. */
    static final Duration HANG = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private GuestClient client(GuestClient.Limits limits) {
        return new GuestClient(new GuestEndpoint.Hybrid(dir.resolve("vsock.sock"), 5000), limits);
    }

    private interface Operation {
        void run(GuestClient client) throws Exception;
    }

    private Map<String, Operation> operations() throws Exception {
        Path big = dir.resolve("big.bin");
        try (OutputStream out = Files.newOutputStream(big)) {
            out.write(new byte[8 << 20]);
        }
        FileCopyPacker.Manifest manifest = FileCopyPacker.scan(List.of(big), false);
        ExecRequest command = new ExecRequest(true, true, "", "", List.of("true"), List.of());
        return Map.of(
                "ping", GuestClient::ping,
                "power-off", GuestClient::powerOff,
                "qvm-run", c -> c.startDetached(new ExecRequest(true, false, "", "", List.of("firefox"), List.of())),
                "qvm-run -p", c -> c.run(command, new ByteArrayInputStream(new byte[0]), OutputStream.nullOutputStream(),
                        OutputStream.nullOutputStream(), signals -> { }),
                "qvm-copy-to-vm", c -> c.copy(manifest, sent -> { }));
    }

    /** Each operation against an agent that stops answering at one point fails with 125, in time. */
    private void assertEveryOperationGivesUp(String point, HostileAgent.Script script) throws Exception {
        try (HostileAgent agent = new HostileAgent(dir.resolve("vsock.sock"), script)) {
            for (Map.Entry<String, Operation> operation : operations().entrySet()) {
                GuestException failure = assertTimeoutPreemptively(HANG,
                        () -> assertThrows(GuestException.class, () -> operation.getValue().run(client(FAST))),
                        operation.getKey() + " against an agent silent " + point);
                assertEquals(125, failure.status(), operation.getKey() + ": " + failure.getMessage());
            }
        }
        Files.delete(dir.resolve("vsock.sock"));
    }

    @Test
    void anAgentSilentAtAnyStepNeverHangsTheHost() throws Exception {
        assertEveryOperationGivesUp("at the hybrid handshake", HostileAgent.Conversation::hang);
        assertEveryOperationGivesUp("at HELLO", c -> c.handshake().hang());
        assertEveryOperationGivesUp("after HELLO (on PING, POWEROFF, EXEC, FILECOPY)", c -> c.hello().hang());
    }

    @Test
    void aCopyWhoseAnswerNeverComesAndACommandWhoseConnectionBreaksFail() throws Exception {
        Path file = Files.writeString(dir.resolve("note.txt"), "hello");
        try (HostileAgent agent = new HostileAgent(dir.resolve("vsock.sock"), c -> {
            c.hello();
            c.readFrame();
            // Takes the whole stream, then never answers.
            byte[] buffer = new byte[64];
            int n;
            long zeros = 0;
            while (zeros < 32 && (n = c.in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    zeros = buffer[i] == 0 ? zeros + 1 : 0;
                }
            }
            c.hang();
        })) {
            GuestException noAnswer = assertTimeoutPreemptively(HANG, () -> assertThrows(GuestException.class,
                    () -> client(FAST).copy(FileCopyPacker.scan(List.of(file), false), sent -> { })));
            assertEquals(125, noAnswer.status());
            assertTrue(noAnswer.getMessage().contains("no answer to the file copy"), noAnswer.getMessage());
        }
        Files.delete(dir.resolve("vsock.sock"));
        try (HostileAgent agent = new HostileAgent(dir.resolve("vsock.sock"), c -> {
            c.hello();
            c.readFrame();
            c.write(FrameType.STARTED, Payloads.i32(42));
            c.out.close();
        })) {
            GuestException broken = assertTimeoutPreemptively(HANG, () -> assertThrows(GuestException.class,
                    () -> client(FAST).run(new ExecRequest(true, true, "", "", List.of("true"), List.of()), null,
                            OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), signals -> { })));
            assertEquals(125, broken.status(), broken.getMessage());
        }
    }

    @Test
    void aCopyStopsWhenTheGuestStopsTakingData() throws Exception {
        Path big = dir.resolve("big.bin");
        Files.write(big, new byte[32 << 20]);
        try (HostileAgent agent = new HostileAgent(dir.resolve("vsock.sock"), c -> {
            c.hello();
            c.readFrame();
            c.in.readNBytes(1 << 20);
            c.hang();
        })) {
            GuestException stalled = assertTimeoutPreemptively(HANG, () -> assertThrows(GuestException.class,
                    () -> client(FAST).copy(FileCopyPacker.scan(List.of(big), false), sent -> { })));
            assertEquals(125, stalled.status());
            assertTrue(stalled.getMessage().contains("stopped answering: no progress while sending"), stalled.getMessage());
        }
    }

    @Test
    void aCommandThatRunsLongerThanEveryLimitStillWorks() throws Exception {
        java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
        try (HostileAgent agent = new HostileAgent(dir.resolve("vsock.sock"), c -> {
            c.hello();
            c.readFrame();
            c.write(FrameType.STARTED, Payloads.i32(42));
            try {
                finish.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            c.write(FrameType.STDOUT, "done\n".getBytes(StandardCharsets.UTF_8));
            c.write(FrameType.EXIT, Payloads.i32(7));
        })) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread release = new Thread(() -> {
                // The command's silence: long past every limit of the client (the operation has none).
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(1500).toNanos());
                finish.countDown();
            });
            release.start();
            int status = assertTimeoutPreemptively(HANG, () -> client(FAST).run(
                    new ExecRequest(true, true, "", "", List.of("sleep 1.5; echo done; exit 7"), List.of()), null, out,
                    OutputStream.nullOutputStream(), signals -> { }));
            assertEquals(7, status);
            assertEquals("done\n", out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void untilIsAHardDeadlineForTheWholeOperation() throws Exception {
        try (HostileAgent agent = new HostileAgent(dir.resolve("vsock.sock"), c -> c.hello().hang())) {
            long start = System.nanoTime();
            GuestException failure = assertTimeoutPreemptively(HANG, () -> assertThrows(GuestException.class,
                    () -> client(GuestClient.Limits.DEFAULT).until(Deadline.in(Duration.ofMillis(500))).ping()));
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(GuestClient.Limits.DEFAULT.reply()) < 0,
                    "the deadline came before the reply limit: " + failure.getMessage());
            assertTrue(failure.getMessage().contains("before the deadline"), failure.getMessage());
        }
    }

    @Test
    void anExitStatusOutOfRangeIsNotASuccess() throws Exception {
        for (int impossible : new int[] {-1, 256, Integer.MIN_VALUE}) {
            try (HostileAgent agent = new HostileAgent(dir.resolve("vsock.sock"), c -> {
                c.hello();
                c.readFrame();
                c.write(FrameType.STARTED, Payloads.i32(42));
                c.write(FrameType.EXIT, Payloads.i32(impossible));
                c.hang();
            })) {
                GuestException failure = assertThrows(GuestException.class, () -> client(FAST).run(
                        new ExecRequest(true, true, "", "", List.of("true"), List.of()), null, OutputStream.nullOutputStream(),
                        OutputStream.nullOutputStream(), signals -> { }));
                assertEquals(125, failure.status(), failure.getMessage());
            }
            Files.delete(dir.resolve("vsock.sock"));
        }
    }

    /** What a guest might send to take over a terminal: title, clear screen, OSC 52 clipboard write, C1 CSI, bidi. */
    static final String ATTACK = "\u001b]0;owned\u0007\u001b[2J\u001b]52;c;cm0gLXJmIH4=\u0007\u009b31m\u202eexe.txt\u200b\n"
            + "qvm-run: error: fake";

    static void assertHarmless(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            assertFalse(c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 || c >= 0x200b && c <= 0x200f
                    || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069,
                    String.format("U+%04X reached the message: %s", (int) c, text));
        }
    }

    @Test
    void guestTextInErrorsCannotDriveTheTerminal() throws Exception {
        try (HostileAgent agent = new HostileAgent(dir.resolve("vsock.sock"), c -> {
            c.hello();
            c.readFrame();
            c.write(FrameType.ERROR, Payloads.error(126, ATTACK));
        })) {
            GuestException refused = assertThrows(GuestException.class, () -> client(FAST).ping());
            assertHarmless(refused.getMessage());
            assertTrue(refused.getMessage().contains("owned"), "the text itself stays readable: " + refused.getMessage());
        }
        Files.delete(dir.resolve("vsock.sock"));
        try (HostileAgent agent = new HostileAgent(dir.resolve("vsock.sock"),
                c -> c.writeRaw(("\u001b]52;c;eA==\u0007\u009b2J\n").getBytes(StandardCharsets.UTF_8)))) {
            GuestException handshake = assertThrows(GuestException.class, () -> client(FAST).ping());
            assertHarmless(handshake.getMessage());
        }
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        new CopyResult(17, 0, ATTACK).write(answer);
        CopyResult read = CopyResult.read(new ByteArrayInputStream(answer.toByteArray()));
        assertHarmless(read.lastName());
    }
}
