package org.qvm.guest.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import org.qvm.guest.Deadline;
import org.qvm.guest.client.GuestEndpoint;
import org.qvm.guest.transport.GuestSocket;
import org.qvm.guest.transport.Splice;
import org.qvm.guest.transport.Unix;

/**
 * The guest's end of its windows' channel: a UNIX socket ({@code /run/qvm/waypipe.sock}, the
 * agent's user's) where each GUI command's {@code waypipe server} connects, every connection
 * passed on, byte for byte, to the host (qvmd's Wayland port: vsock to the host, or TCP to the
 * gateway), which hands it to the VM's waypipe client and its Wayland proxy. At most
 * {@value #STREAMS} at once.
 */
final class WaylandRelay implements AutoCloseable {
    static final Path DEFAULT_SOCKET = Path.of("/run/qvm/waypipe.sock");
    static final int STREAMS = 64;
    private static final Duration CONNECT = Duration.ofSeconds(10);

    private final Unix.Listener listener;
    private final GuestEndpoint host;
    private final QvmAgent.Log log;
    private final Semaphore streams = new Semaphore(STREAMS);

    private WaylandRelay(Unix.Listener listener, GuestEndpoint host, QvmAgent.Log log) {
        this.listener = listener;
        this.host = host;
        this.log = log;
    }

    /** Listens at {@code socket} for the user {@code owner} (uid, gid; -1 to leave it), and relays in the background. */
    static WaylandRelay start(Path socket, int ownerUid, int ownerGid, GuestEndpoint host, QvmAgent.Log log) throws IOException {
        Files.createDirectories(socket.getParent());
        Unix.Listener listener = Unix.Listener.listen(socket);
        if (ownerUid >= 0) {
            Files.setAttribute(socket, "unix:gid", ownerGid);
            Files.setAttribute(socket, "unix:uid", ownerUid);
        }
        WaylandRelay relay = new WaylandRelay(listener, host, log);
        Thread accept = new Thread(relay::acceptLoop, "qvm-agent-wayland");
        accept.setDaemon(true);
        accept.start();
        log.info("relaying GUI commands' Wayland streams from " + socket + " to the host at " + host);
        return relay;
    }

    private void acceptLoop() {
        while (true) {
            GuestSocket app;
            try {
                app = listener.accept();
            } catch (IOException e) {
                return;
            }
            if (!streams.tryAcquire()) {
                log.info("a Wayland stream refused: " + STREAMS + " are open");
                app.close();
                continue;
            }
            Thread thread = new Thread(() -> {
                try {
                    relay(app);
                } finally {
                    streams.release();
                }
            }, "qvm-agent-wayland-stream");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void relay(GuestSocket app) {
        try (app; GuestSocket upstream = host.connect(Deadline.in(CONNECT))) {
            Splice.bothWays(app, upstream, "qvm-agent-wayland");
        } catch (IOException e) {
            log.info("a Wayland stream could not reach the host: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
