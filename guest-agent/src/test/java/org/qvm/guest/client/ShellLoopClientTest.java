package org.qvm.guest.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.guest.transport.HybridVsock;

/** The article's loop, played by a real shell behind a hybrid-vsock socket: what it gets and what comes back. */
class ShellLoopClientTest {
    @TempDir
    Path dir;

    /** One connection of `socat vsock-listen:5000 exec:dash`: the received text is the shell's input. */
    private CompletableFuture<String> shellLoop(HybridVsock.Listener listener) {
        return CompletableFuture.supplyAsync(() -> {
            try (org.qvm.guest.transport.GuestSocket socket = listener.accept()) {
                listener.handshake(socket);
                byte[] script = socket.input().readAllBytes();
                Process shell = new ProcessBuilder("sh").redirectErrorStream(false).start();
                shell.getOutputStream().write(script);
                shell.getOutputStream().close();
                socket.output().write(shell.getInputStream().readAllBytes());
                shell.waitFor(10, TimeUnit.SECONDS);
                return new String(script, StandardCharsets.UTF_8);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void theCommandLineIsSentAndItsOutputComesBack() throws Exception {
        try (HybridVsock.Listener listener = HybridVsock.Listener.listen(dir.resolve("vsock.sock"), 5000)) {
            CompletableFuture<String> received = shellLoop(listener);
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            new ShellLoopClient(new GuestEndpoint.Hybrid(dir.resolve("vsock.sock"), 5000)).run("echo hi; echo err >&2", output);
            assertEquals("hi\n", output.toString(StandardCharsets.UTF_8), "standard error does not come back");
            assertEquals("echo hi; echo err >&2\n", received.get(10, TimeUnit.SECONDS));

            CompletableFuture<String> background = shellLoop(listener);
            new ShellLoopClient(new GuestEndpoint.Hybrid(dir.resolve("vsock.sock"), 5000)).run("firefox", null);
            assertEquals("firefox &\n", background.get(10, TimeUnit.SECONDS), "as the article: put in the background");
        }
    }

    @Test
    void noLoopIsATransportError() {
        GuestException e = assertThrows(GuestException.class,
                () -> new ShellLoopClient(new GuestEndpoint.Hybrid(dir.resolve("absent.sock"), 5000)).run("true", null));
        assertEquals(125, e.status());
    }
}
