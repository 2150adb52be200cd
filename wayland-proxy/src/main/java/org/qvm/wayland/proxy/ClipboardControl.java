package org.qvm.wayland.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.qvm.plan.SocketFiles;
import org.qvm.wayland.wire.Pipes;

/**
 * The user's way to pass a VM's clipboard on (qvm-clipboard), on the proxy's control socket
 * {@code clipboard.sock} beside its Wayland socket (0600, the host's root only). One request per
 * connection, answered on it: {@code COPY\n} gets {@code OK N\n} and the VM's selection as text
 * (N bytes, at most {@value #MAX} bytes, read from the guest's client within
 * {@link #GUEST_TIME}), or {@code EMPTY\n}; {@code PASTE N\n} and N bytes makes that text the
 * VM's selection ({@code OK 0\n}). Anything else gets {@code ERROR why\n}.
 */
public final class ClipboardControl {
    public static final String SOCKET = "clipboard.sock";
    public static final int MAX = 1024 * 1024;
    static final Duration GUEST_TIME = Duration.ofSeconds(5);
    static final Duration REQUEST_TIME = Duration.ofSeconds(10);
    /** Text, as clients ask for it, the best first. */
    static final List<String> TEXT = List.of("text/plain;charset=utf-8", "UTF8_STRING", "text/plain", "TEXT", "STRING");

    private final Clipboard clipboard;
    private final Consumer<String> log;

    ClipboardControl(Clipboard clipboard, Consumer<String> log) {
        this.clipboard = clipboard;
        this.log = log;
    }

    /** Binds the control socket (as root, before the proxy gives root up). */
    public static ServerSocketChannel bind(Path path) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            SocketFiles.bindInPlace(path, at -> server.bind(UnixDomainSocketAddress.of(at)));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Serves requests in a thread of its own until the socket is closed. */
    public void serveInBackground(ServerSocketChannel server) {
        Thread thread = new Thread(() -> {
            while (server.isOpen()) {
                SocketChannel connection;
                try {
                    connection = server.accept();
                } catch (IOException e) {
                    return;
                }
                Thread request = new Thread(() -> {
                    try (connection) {
                        serve(connection);
                    } catch (IOException e) {
                        log.accept("clipboard request failed: " + e.getMessage());
                    }
                }, "wayland-clipboard-request");
                request.setDaemon(true);
                request.start();
            }
        }, "wayland-clipboard-control");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve(SocketChannel connection) throws IOException {
        String line = readLine(connection);
        if (line.equals("COPY")) {
            Optional<byte[]> text = copy();
            write(connection, text.map(bytes -> concat(("OK " + bytes.length + "\n").getBytes(StandardCharsets.US_ASCII), bytes))
                    .orElse("EMPTY\n".getBytes(StandardCharsets.US_ASCII)));
        } else if (line.startsWith("PASTE ")) {
            int length;
            try {
                length = Integer.parseInt(line.substring(6));
            } catch (NumberFormatException e) {
                length = -1;
            }
            if (length < 0 || length > MAX) {
                write(connection, ("ERROR at most " + MAX + " bytes\n").getBytes(StandardCharsets.US_ASCII));
                return;
            }
            ByteBuffer data = ByteBuffer.allocate(length);
            while (data.hasRemaining() && connection.read(data) >= 0) {
                // Reads the rest.
            }
            if (data.hasRemaining()) {
                write(connection, "ERROR the text ended early\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            paste(data.array());
            write(connection, "OK 0\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            write(connection, "ERROR unknown request\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** The VM's selection as text, if it has one that is text. */
    Optional<byte[]> copy() throws IOException {
        Optional<Clipboard.Selection> selection = clipboard.current();
        if (selection.isEmpty()) {
            return Optional.empty();
        }
        if (selection.get().holder() instanceof PastedText pasted) {
            return Optional.of(pasted.text());
        }
        Optional<String> mime = TEXT.stream().filter(selection.get().mimeTypes()::contains).findFirst();
        if (mime.isEmpty()) {
            throw new IOException("the selection is not text (it offers " + selection.get().mimeTypes().size() + " other types)");
        }
        int[] pipe = Pipes.pipe();
        selection.get().holder().send(mime.get(), pipe[1]);
        byte[] text = Pipes.readAll(pipe[0], MAX, GUEST_TIME);
        log.accept("the user copied the VM's selection (" + text.length + " bytes)");
        return Optional.of(text);
    }

    void paste(byte[] text) {
        clipboard.set(Optional.of(new Clipboard.Selection(new PastedText(text), TEXT)));
        log.accept("the user pasted " + text.length + " bytes into the VM's selection");
    }

    /** Text the user put into the VM's clipboard: the proxy itself hands it to the client that asks. */
    record PastedText(byte[] text) implements Clipboard.Holder {
        @Override
        public void send(String mime, int fd) {
            Thread thread = new Thread(() -> {
                try {
                    Pipes.writeAll(fd, text, GUEST_TIME);
                } catch (IOException e) {
                    // The client did not read it in time: it gets what it read.
                }
            }, "wayland-clipboard-paste");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void cancelled() {
        }
    }

    /** qvm-clipboard's side: the VM's selection as text (empty when it has none), from its proxy's control socket. */
    public static Optional<byte[]> copyFrom(Path socket) throws IOException {
        return ask(socket, "COPY\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** qvm-clipboard's side: makes {@code text} the VM's selection. */
    public static void pasteInto(Path socket, byte[] text) throws IOException {
        if (text.length > MAX) {
            throw new IOException("the text is over " + MAX + " bytes");
        }
        ask(socket, concat(("PASTE " + text.length + "\n").getBytes(StandardCharsets.US_ASCII), text));
    }

    /** One request and its answer, bounded in time and size. */
    private static Optional<byte[]> ask(Path socket, byte[] request) throws IOException {
        SocketChannel connection;
        try {
            connection = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new IOException("the VM's Wayland proxy does not answer (is the VM running, with wayland = true?): "
                    + e.getMessage(), e);
        }
        java.util.concurrent.CompletableFuture<Optional<byte[]>> answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                write(connection, request);
                String status = readLine(connection);
                if (status.equals("EMPTY")) {
                    return Optional.empty();
                }
                if (!status.startsWith("OK ")) {
                    throw new java.io.UncheckedIOException(new IOException(status.startsWith("ERROR ") ? status.substring(6)
                            : "an answer the proxy should not give"));
                }
                int length = Integer.parseInt(status.substring(3));
                if (length < 0 || length > MAX) {
                    throw new java.io.UncheckedIOException(new IOException("an answer of " + length + " bytes"));
                }
                ByteBuffer data = ByteBuffer.allocate(length);
                while (data.hasRemaining() && connection.read(data) >= 0) {
                    // Reads the rest.
                }
                return Optional.of(data.array());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (connection) {
            return answer.get(REQUEST_TIME.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("the VM's Wayland proxy did not answer within " + REQUEST_TIME.toSeconds() + " s");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof java.io.UncheckedIOException unchecked ? unchecked.getCause()
                    : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private static String readLine(SocketChannel connection) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (line.size() < 64) {
            one.clear();
            if (connection.read(one) < 0) {
                break;
            }
            if (one.get(0) == '\n') {
                return line.toString(StandardCharsets.US_ASCII);
            }
            line.write(one.get(0));
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    private static void write(SocketChannel connection, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            connection.write(buffer);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
