package org.qvm.wayland.proxy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.qvm.wayland.protocol.Protocols;
import org.qvm.wayland.wire.UnixListener;
import org.qvm.wayland.wire.UnixSocket;

/**
 * One VM's Wayland proxy: each connection on its socket (crosvm opens one per guest client) gets
 * a connection of its own to the real compositor, relayed by a {@link Session}. At most
 * {@value #MAX_CLIENTS} at once.
 */
public final class WaylandProxy implements AutoCloseable {
    public static final int MAX_CLIENTS = 256;

    private final String vm;
    private final UnixListener listener;
    private final Path compositor;
    private final Protocols protocols;
    private final Consumer<String> log;
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicInteger numbers = new AtomicInteger();
    private final Clipboard clipboard = new Clipboard();

    public WaylandProxy(String vm, UnixListener listener, Path compositor, Protocols protocols, Consumer<String> log) {
        this.vm = vm;
        this.listener = listener;
        this.compositor = compositor;
        this.protocols = protocols;
        this.log = log;
    }

    /** Serves until closed. */
    public void serve() {
        while (true) {
            UnixSocket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            int number = numbers.incrementAndGet();
            if (clients.incrementAndGet() > MAX_CLIENTS) {
                clients.decrementAndGet();
                log.accept("client " + number + " refused: " + MAX_CLIENTS + " clients are connected already");
                client.close();
                continue;
            }
            UnixSocket upstream;
            try {
                upstream = UnixSocket.connect(compositor);
            } catch (IOException e) {
                clients.decrementAndGet();
                log.accept("client " + number + " refused: " + e.getMessage());
                client.close();
                continue;
            }
            new Session(vm, number, protocols, clipboard, client, upstream, log, clients::decrementAndGet).start();
        }
    }

    /** The VM's clipboard, for the user's qvm-clipboard. */
    public ClipboardControl clipboardControl() {
        return new ClipboardControl(clipboard, log);
    }

    @Override
    public void close() {
        listener.close();
    }
}
