package org.qvm.guest.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.qvm.guest.Deadline;
import org.qvm.guest.protocol.Protocol;
import org.qvm.guest.transport.GuestSocket;

/**
 * For guests that only run the article's loop, {@code socat vsock-listen:PORT exec:dash}: the
 * command line is sent as text and the connection closed for writing; whatever the shell prints
 * on standard output comes back. There is no exit status, no standard error and no standard
 * input: that is what the loop gives. Connecting is bounded; the output takes as long as the
 * command does.
 */
public final class ShellLoopClient {
    private final GuestEndpoint endpoint;
    private final GuestClient.Limits limits;

    public ShellLoopClient(GuestEndpoint endpoint) {
        this(endpoint, GuestClient.Limits.DEFAULT);
    }

    public ShellLoopClient(GuestEndpoint endpoint, GuestClient.Limits limits) {
        this.endpoint = endpoint;
        this.limits = limits;
    }

    /**
     * Sends the command line; with {@code output}, copies what comes back until the shell closes
     * the connection. Without, the command is put in the background (as the article does with
     * {@code firefox&}) and we return at once.
     */
    public void run(String commandLine, OutputStream output) throws GuestException {
        String line = output == null && !commandLine.strip().endsWith("&") ? commandLine + " &" : commandLine;
        try (GuestSocket socket = endpoint.connect(Deadline.in(limits.connect()))) {
            socket.output().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            socket.output().flush();
            socket.shutdownOutput();
            if (output != null) {
                InputStream in = socket.input();
                byte[] buffer = new byte[Protocol.MAX_DATA];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    output.write(buffer, 0, n);
                    output.flush();
                }
            }
        } catch (IOException e) {
            throw new GuestException(Protocol.STATUS_TRANSPORT, "cannot reach the shell loop (" + endpoint + "): "
                    + e.getMessage(), e);
        }
    }
}
