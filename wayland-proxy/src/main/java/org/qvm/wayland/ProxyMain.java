package org.qvm.wayland;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.qvm.wayland.protocol.Protocols;
import org.qvm.wayland.proxy.ClipboardControl;
import org.qvm.wayland.proxy.WaylandProxy;
import org.qvm.wayland.wire.Privileges;
import org.qvm.wayland.wire.UnixListener;

/**
 * Starts one VM's proxy: listens (as root, where qvm-start runs it, the socket in the VM's
 * runtime directory, and the clipboard's control socket beside it), then becomes the user who owns the compositor's socket, and serves until
 * it is stopped.
 */
public final class ProxyMain {
    private ProxyMain() {
    }

    /** The owner of a socket, as uid and gid: whom the proxy runs as to reach it. */
    public record Owner(int uid, int gid) {
        public static Owner of(Path socket) throws IOException {
            return new Owner((Integer) Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                    (Integer) Files.getAttribute(socket, "unix:gid", LinkOption.NOFOLLOW_LINKS));
        }
    }

    /**
     * Runs the proxy for {@code vm}: listens on {@code listen}, relays to {@code compositor}; as
     * root, first drops to {@code user} (by default the compositor socket's owner). Returns when
     * the proxy is stopped (the JVM's shutdown); an exception when it cannot start.
     */
    public static void run(String vm, Path listen, Path compositor, Path clipboard, Optional<Owner> user, PrintStream err)
            throws IOException {
        if (!Files.exists(compositor)) {
            throw new IOException("no compositor socket at " + compositor);
        }
        Owner owner = user.isPresent() ? user.get() : Owner.of(compositor);
        boolean root = isRoot();
        // The socket is the desktop user's too (their waypipe client connects to it), before it is at its path.
        UnixListener listener = UnixListener.listen(listen, at -> {
            if (root) {
                Files.setAttribute(at, "unix:gid", owner.gid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(at, "unix:uid", owner.uid(), LinkOption.NOFOLLOW_LINKS);
            }
        });
        java.nio.channels.ServerSocketChannel control;
        try {
            control = ClipboardControl.bind(clipboard);
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
        if (root) {
            try {
                Privileges.dropTo(owner.uid(), owner.gid());
            } catch (RuntimeException e) {
                listener.close();
                control.close();
                throw e;
            }
        }
        // Read once the socket exists (qvm-start waits for it): a client that comes meanwhile waits in the backlog.
        Protocols protocols;
        try {
            protocols = Protocols.builtIn();
        } catch (RuntimeException e) {
            listener.close();
            control.close();
            throw e;
        }
        WaylandProxy proxy = new WaylandProxy(vm, listener, compositor, protocols, line -> {
            synchronized (err) {
                err.println("qvm-wayland-proxy[" + vm + "]: " + line);
                err.flush();
            }
        });
        proxy.clipboardControl().serveInBackground(control);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            try {
                control.close();
            } catch (IOException e) {
                // Going anyway.
            }
        }, "wayland-proxy-stop"));
        err.println("qvm-wayland-proxy[" + vm + "]: relaying " + listen + " to " + compositor + " as uid "
                + new com.sun.security.auth.module.UnixSystem().getUid());
        err.flush();
        proxy.serve();
    }

    private static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    /** {@code ProxyMain VM LISTEN COMPOSITOR [CLIPBOARD]} (the clipboard's socket by default beside LISTEN), as qvm-start runs it. */
    public static void main(String[] args) throws IOException {
        if (args.length != 3 && args.length != 4) {
            System.err.println("usage: ProxyMain VM LISTEN-SOCKET COMPOSITOR-SOCKET [CLIPBOARD-SOCKET]");
            System.exit(2);
        }
        Path listen = Path.of(args[1]);
        run(args[0], listen, Path.of(args[2]), args.length == 4 ? Path.of(args[3]) : listen.resolveSibling(ClipboardControl.SOCKET),
                Optional.empty(), System.err);
    }
}
