package org.qvm.guest.agent;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.qvm.guest.transport.GuestSocket;
import org.qvm.guest.transport.HybridVsock;
import org.qvm.guest.transport.Tcp;
import org.qvm.guest.transport.VsockAddress;
import org.qvm.guest.transport.Vsock;

/** The agent's listening socket and its accept loop: a thread per connection, up to a limit. */
public final class AgentServer implements Closeable {
    private final Closeable listener;
    private final Accept accept;
    private final Handshake handshake;
    private final ConnectionHandler handler;
    private final Semaphore slots;
    private final QvmAgent.Log log;
    private volatile boolean closed;

    private interface Accept {
        /** The next connection, or null for one that was turned away. */
        GuestSocket next() throws IOException;
    }

    private interface Handshake {
        /** Whether the connection may go on to the protocol (done in the connection's own thread). */
        boolean ready(GuestSocket socket) throws IOException;
    }

    private AgentServer(Closeable listener, Accept accept, Handshake handshake, AgentSettings settings, QvmAgent.Log log) {
        this.listener = listener;
        this.accept = accept;
        this.handshake = handshake;
        this.handler = new ConnectionHandler(settings, log);
        this.slots = new Semaphore(settings.maxConnections());
        this.log = log;
    }

    /**
     * Listens on {@code vsock:PORT} (only the host, CID 2, is served), {@code tcp:PORT} (only
     * {@code host}, the gateway, is served) or {@code unix:PATH} (hybrid vsock for {@code port}).
     */
    static AgentServer listen(String listen, long port, Optional<InetAddress> host, AgentSettings settings,
                              QvmAgent.Log log) throws IOException {
        if (listen.startsWith("vsock:")) {
            Vsock.Listener listener = Vsock.Listener.listen(Long.parseLong(listen.substring("vsock:".length())));
            return new AgentServer(listener, () -> {
                Vsock.Accepted accepted = listener.accept();
                if (accepted.peer().cid() != VsockAddress.CID_HOST) {
                    log.info("refused a connection from CID " + accepted.peer().cid() + " (only the host may connect)");
                    accepted.socket().close();
                    return null;
                }
                return accepted.socket();
            }, socket -> true, settings, log);
        }
        if (listen.startsWith("tcp:")) {
            InetAddress only = host.orElseThrow(() -> new IllegalArgumentException(
                    "--listen tcp:PORT needs the host's address (--host-address, or ip= on the kernel command line)"));
            Tcp.Listener listener = Tcp.Listener.listen(Integer.parseInt(listen.substring("tcp:".length())));
            return new AgentServer(listener, () -> {
                Tcp.Accepted accepted = listener.accept();
                if (!accepted.peer().equals(only)) {
                    log.info("refused a connection from " + accepted.peer().getHostAddress() + " (only the host, "
                            + only.getHostAddress() + ", may connect)");
                    accepted.socket().close();
                    return null;
                }
                return accepted.socket();
            }, socket -> true, settings, log);
        }
        if (listen.startsWith("unix:")) {
            HybridVsock.Listener listener = HybridVsock.Listener.listen(Path.of(listen.substring("unix:".length())), port);
            return new AgentServer(listener, listener::accept, listener::handshake, settings, log);
        }
        throw new IllegalArgumentException("--listen takes vsock:PORT, tcp:PORT, unix:PATH or cmdline, not " + listen);
    }

    /** Accepts and serves connections until closed. */
    public void serve() throws IOException {
        while (!closed) {
            GuestSocket socket;
            try {
                socket = accept.next();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                throw e;
            }
            if (socket == null) {
                continue;
            }
            if (!slots.tryAcquire()) {
                log.info("too many connections; closed one");
                closeQuietly(socket);
                continue;
            }
            Thread thread = new Thread(() -> {
                try {
                    if (ready(socket)) {
                        handler.serve(socket);
                    } else {
                        closeQuietly(socket);
                    }
                } finally {
                    slots.release();
                }
            }, "qvm-agent-connection");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private boolean ready(GuestSocket socket) {
        try {
            return handshake.ready(socket);
        } catch (IOException e) {
            log.info("handshake failed: " + e.getMessage());
            return false;
        }
    }

    private static void closeQuietly(GuestSocket socket) {
        socket.close();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
    }
}
