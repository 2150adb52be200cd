package org.qvm.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.qvm.guest.Deadline;
import org.qvm.guest.UntrustedText;
import org.qvm.guest.transport.ChannelSocket;

/**
 * A QMP connection to qemu's control socket: the greeting, capabilities negotiation, then
 * commands, each answered by a {@code return} or an {@code error} (events in between are skipped).
 * Every wait is bounded by the deadline and every message by {@link #MAX_MESSAGE}: qemu answers
 * at once, and events can carry what a guest chose (a device's name), so nothing read here is
 * taken on trust.
 */
public final class QmpClient implements AutoCloseable {
    static final int MAX_MESSAGE = 256 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChannelSocket socket;
    private final InputStream input;
    private final Path path;

    private QmpClient(ChannelSocket socket, Path path) {
        this.socket = socket;
        this.input = new java.io.BufferedInputStream(socket.input());
        this.path = path;
    }

    /** Connects, reads the greeting and leaves negotiation mode; nothing waits past the deadline. */
    public static QmpClient connect(Path controlSocket, Deadline deadline) throws IOException {
        ChannelSocket socket = ChannelSocket.connect(controlSocket, deadline.nanoTime());
        socket.bound(deadline.nanoTime(), null);
        QmpClient client = new QmpClient(socket, controlSocket);
        try {
            JsonNode greeting = client.readMessage();
            if (!greeting.has("QMP")) {
                throw new IOException(controlSocket + " does not speak QMP: it began with " + describe(greeting));
            }
            client.execute("qmp_capabilities");
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Runs a command without arguments; returns its {@code return} value. */
    public JsonNode execute(String command) throws IOException {
        ObjectNode request = JSON.createObjectNode().put("execute", command);
        socket.output().write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
        while (true) {
            JsonNode message = readMessage();
            if (message.has("return")) {
                return message.get("return");
            }
            if (message.has("error")) {
                JsonNode error = message.get("error");
                throw new QmpException("qemu refused " + command + " on " + path + ": "
                        + UntrustedText.forDisplay(error.path("class").asText("?") + ": " + error.path("desc").asText("")));
            }
            // An event ({"event": ...}): not the answer.
        }
    }

    /** One message: a JSON object on a line of its own, at most {@link #MAX_MESSAGE} bytes. */
    private JsonNode readMessage() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = input.read();
            if (b < 0) {
                throw new EOFException(path + " closed the connection");
            }
            if (b == '\n') {
                break;
            }
            if (line.size() >= MAX_MESSAGE) {
                throw new IOException(path + " sent a message longer than " + MAX_MESSAGE + " bytes");
            }
            line.write(b);
        }
        try {
            JsonNode message = JSON.readTree(line.toByteArray());
            if (message == null || !message.isObject()) {
                throw new IOException(path + " sent something that is not a QMP message");
            }
            return message;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(path + " sent something that is not JSON");
        }
    }

    private static String describe(JsonNode message) {
        return UntrustedText.forDisplay(message.toString().length() > 80 ? message.toString().substring(0, 80) + "..." : message.toString());
    }

    @Override
    public void close() {
        socket.close();
    }

    /** qemu answered with an error. */
    public static final class QmpException extends IOException {
        QmpException(String message) {
            super(message);
        }
    }
}
