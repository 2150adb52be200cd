package org.qvm.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tool server's wire format, between {@link ToolClient} (the tool's own short JVM) and
 * {@link ToolServer}: frames of a type byte, a length and that many bytes, over a Unix socket.
 *
 * <pre>
 * client: REQUEST         server: ACCEPT | LOCAL(reason) | DECLINE(reason)
 * client: GO              (only now does the server run the tool)
 * server: STDOUT, STDERR, READ(n)    client: STDIN(bytes; empty at the end), SIGNAL(n)
 * server: EXIT(status)
 * </pre>
 *
 * Plain java.base only: the client loads this class on every tool's start.
 */
final class ToolWire {
    static final int VERSION = 1;
    /** A request (arguments and environment) is never larger; ARG_MAX is 2 MiB. */
    static final int REQUEST_LIMIT = 4 << 20;
    /** A frame of output or input carries at most this much. */
    static final int CHUNK = 64 << 10;

    /**
     * The tools the server runs. qvm-kill is not one: it must work even when the server does not.
     * The others change nothing that outlives them in the process that runs them.
     */
    static final java.util.Set<String> SERVED = java.util.Set.of("qvm-ls", "qvm-start", "qvm-shutdown", "qvm-pause",
            "qvm-unpause", "qvm-run");

    static final byte REQUEST = 1;
    static final byte GO = 2;
    static final byte STDIN = 3;
    static final byte SIGNAL = 4;
    static final byte ACCEPT = 10;
    /** The server cannot run this client's commands (another jar, namespace or user). */
    static final byte DECLINE = 11;
    /** This command runs in the client's own JVM, by design (qvm-run --dispvm, -vv, ...). */
    static final byte LOCAL = 16;
    static final byte STDOUT = 12;
    static final byte STDERR = 13;
    static final byte READ = 14;
    static final byte EXIT = 15;

    private ToolWire() {
    }

    /** One frame. */
    record Frame(byte type, byte[] payload) {
        int number() {
            return ((payload[0] & 0xff) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8) | (payload[3] & 0xff);
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /**
     * What the client asks: the tool and its arguments, and the client's own environment, working
     * directory, network namespace, jar and whether its standard output and error are terminals.
     */
    record Request(String jar, String networkNamespace, String workingDirectory, boolean stdoutTerminal,
                   boolean stderrTerminal, List<String> argv, Map<String, String> environment) {
        byte[] encode() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(VERSION);
            writeString(out, jar);
            writeString(out, networkNamespace);
            writeString(out, workingDirectory);
            out.writeBoolean(stdoutTerminal);
            out.writeBoolean(stderrTerminal);
            out.writeInt(argv.size());
            for (String arg : argv) {
                writeString(out, arg);
            }
            out.writeInt(environment.size());
            for (Map.Entry<String, String> variable : environment.entrySet()) {
                writeString(out, variable.getKey());
                writeString(out, variable.getValue());
            }
            return bytes.toByteArray();
        }

        static Request decode(byte[] payload) throws IOException {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
            if (in.readInt() != VERSION) {
                throw new IOException("a request of another version");
            }
            String jar = readString(in);
            String namespace = readString(in);
            String directory = readString(in);
            boolean stdoutTerminal = in.readBoolean();
            boolean stderrTerminal = in.readBoolean();
            int count = in.readInt();
            if (count < 1 || count > payload.length) {
                throw new IOException("a request with " + count + " arguments");
            }
            List<String> argv = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                argv.add(readString(in));
            }
            int variables = in.readInt();
            if (variables < 0 || variables > payload.length) {
                throw new IOException("a request with " + variables + " environment variables");
            }
            Map<String, String> environment = new LinkedHashMap<>();
            for (int i = 0; i < variables; i++) {
                environment.put(readString(in), readString(in));
            }
            return new Request(jar, namespace, directory, stdoutTerminal, stderrTerminal, List.copyOf(argv),
                    java.util.Collections.unmodifiableMap(environment));
        }
    }

    private static void writeString(DataOutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("a string of " + length + " bytes where " + in.available() + " are left");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    static InputStream input(java.nio.channels.SocketChannel channel) {
        return org.qvm.guest.transport.ChannelStreams.input(channel);
    }

    static OutputStream output(java.nio.channels.SocketChannel channel) {
        return org.qvm.guest.transport.ChannelStreams.output(channel);
    }

    /** Closes the channel after {@code limit} unless the returned thread is interrupted first. */
    static Thread closeAfter(java.nio.channels.SocketChannel channel, java.time.Duration limit) {
        // A class, not a lambda: the client's start would pay for the lambda machinery.
        Thread watchdog = new Thread("tool-handshake-bound") {
            @Override
            public void run() {
                try {
                    Thread.sleep(limit.toMillis());
                    channel.close();
                } catch (InterruptedException | IOException e) {
                    // Done in time, or closed anyway.
                }
            }
        };
        watchdog.setDaemon(true);
        watchdog.start();
        return watchdog;
    }

    static void write(OutputStream out, byte type, byte[] payload, int offset, int length) throws IOException {
        synchronized (out) {
            out.write(new byte[] {type, (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length});
            out.write(payload, offset, length);
            out.flush();
        }
    }

    static void write(OutputStream out, byte type, byte[] payload) throws IOException {
        write(out, type, payload, 0, payload.length);
    }

    static void writeNumber(OutputStream out, byte type, int number) throws IOException {
        write(out, type, new byte[] {(byte) (number >>> 24), (byte) (number >>> 16), (byte) (number >>> 8), (byte) number});
    }

    /** The next frame; {@code limit} bounds its payload. Throws EOFException at a clean end of the stream. */
    static Frame read(InputStream in, int limit) throws IOException {
        byte[] header = in.readNBytes(5);
        if (header.length == 0) {
            throw new EOFException("the other side closed the connection");
        }
        if (header.length < 5) {
            throw new IOException("the connection ended inside a frame");
        }
        int length = ((header[1] & 0xff) << 24) | ((header[2] & 0xff) << 16) | ((header[3] & 0xff) << 8) | (header[4] & 0xff);
        if (length < 0 || length > limit) {
            throw new IOException("a frame of " + length + " bytes (at most " + limit + ")");
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new IOException("the connection ended inside a frame");
        }
        return new Frame(header[0], payload);
    }
}
