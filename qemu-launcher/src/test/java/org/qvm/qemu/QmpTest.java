package org.qvm.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.guest.Deadline;
import org.qvm.hypervisor.ControlException;
import org.qvm.testsupport.Privileged;

/** QMP with a real qemu (one without a guest: -machine none), and with a server that misbehaves. */
class QmpTest {
    @TempDir
    Path dir;
    Process qemu;
    Thread server;

    @AfterEach
    void tearDown() throws Exception {
        if (qemu != null) {
            qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.interrupt();
        }
    }

    private Path startQemu() throws Exception {
        Privileged.requireTools("qemu-system-x86_64");
        Path socket = dir.resolve("qmp.sock");
        qemu = new ProcessBuilder("qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display", "none",
                "-qmp", "unix:" + socket + ",server=on,wait=off").redirectErrorStream(true)
                .redirectOutput(dir.resolve("qemu.log").toFile()).start();
        Deadline deadline = Deadline.in(Duration.ofSeconds(30));
        while (!Files.exists(socket)) {
            assertTrue(qemu.isAlive() && !deadline.passed(), "qemu did not make its QMP socket: " + Files.readString(dir.resolve("qemu.log")));
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
        return socket;
    }

    @Test
    void pauseResumeAndQuitARealQemu() throws Exception {
        Path socket = startQemu();
        new QmpRequest(socket, "stop").send(null);
        try (QmpClient qmp = QmpClient.connect(socket, Deadline.in(Duration.ofSeconds(10)))) {
            assertEquals("paused", qmp.execute("query-status").path("status").asText());
        }
        new QmpRequest(socket, "cont").send(null);
        try (QmpClient qmp = QmpClient.connect(socket, Deadline.in(Duration.ofSeconds(10)))) {
            assertEquals("running", qmp.execute("query-status").path("status").asText());
            QmpClient.QmpException refused = assertThrows(QmpClient.QmpException.class, () -> qmp.execute("no-such-command"));
            assertTrue(refused.getMessage().contains("CommandNotFound"), refused.getMessage());
        }
        new QmpRequest(socket, "quit").send(null);
        assertTrue(qemu.waitFor(10, TimeUnit.SECONDS), "quit ends qemu");
        ControlException gone = assertThrows(ControlException.class, () -> new QmpRequest(socket, "system_powerdown").send(null));
        assertTrue(gone.getMessage().startsWith("QMP system_powerdown on " + socket + " failed: "), gone.getMessage());
    }

    /** A QMP socket whose server writes {@code greeting} to every connection, then nothing (and never reads). */
    private Path fakeServer(byte[] greeting) throws Exception {
        Path socket = dir.resolve("fake.sock");
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        List<SocketChannel> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        server = new Thread(() -> {
            try (listener) {
                while (true) {
                    SocketChannel connection = listener.accept();
                    held.add(connection);
                    OutputStream out = Channels.newOutputStream(connection);
                    out.write(greeting);
                    out.flush();
                }
            } catch (Exception e) {
                // closed
            }
        });
        server.setDaemon(true);
        server.start();
        return socket;
    }

    @Test
    void aServerThatNeverAnswersCostsTheTimeoutAndNoMore() throws Exception {
        Path socket = fakeServer("{\"QMP\": {}}\n".getBytes(StandardCharsets.UTF_8));
        long start = System.nanoTime();
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> QmpClient.connect(socket, Deadline.in(Duration.ofMillis(500))));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(e.getMessage().contains("did not answer"), e.getMessage());
        assertTrue(tookMs < 5_000, "bounded by the deadline: " + tookMs + " ms");
    }

    @Test
    void anEndlessLineIsCutOffAndTextFromItIsFiltered() throws Exception {
        byte[] flood = new byte[QmpClient.MAX_MESSAGE + 10];
        java.util.Arrays.fill(flood, (byte) 'x');
        java.io.IOException tooLong = assertThrows(java.io.IOException.class,
                () -> QmpClient.connect(fakeServer(flood), Deadline.in(Duration.ofSeconds(10))));
        assertTrue(tooLong.getMessage().contains("longer than " + QmpClient.MAX_MESSAGE), tooLong.getMessage());
        server.interrupt();
        Files.delete(dir.resolve("fake.sock"));
        java.io.IOException notQmp = assertThrows(java.io.IOException.class, () -> QmpClient.connect(
                fakeServer("{\"hello\": \"\\u001b[2J\"}\n".getBytes(StandardCharsets.UTF_8)), Deadline.in(Duration.ofSeconds(10))));
        assertTrue(notQmp.getMessage().contains("does not speak QMP") && notQmp.getMessage().indexOf('\u001b') < 0,
                notQmp.getMessage());
    }
}
