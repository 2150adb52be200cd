package org.qvm.guest.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.qvm.guest.protocol.Frame;
import org.qvm.guest.protocol.FrameReader;
import org.qvm.guest.protocol.FrameType;
import org.qvm.guest.protocol.FrameWriter;
import org.qvm.guest.protocol.Payloads;
import org.qvm.guest.protocol.Protocol;

/**
 * A guest agent that misbehaves on purpose, behind a hybrid-vsock UNIX socket: every connection
 * plays a script. {@link Conversation#hang} keeps a connection open and silent until the test ends.
 */
final class HostileAgent implements AutoCloseable {
    interface Script {
        void play(Conversation conversation) throws IOException;
    }

    /** One connection, seen from the agent. */
    static final class Conversation {
        final InputStream in;
        final OutputStream out;
        private final CountDownLatch released;

        Conversation(SocketChannel channel, CountDownLatch released) {
            this.in = Channels.newInputStream(channel);
            this.out = Channels.newOutputStream(channel);
            this.released = released;
        }

        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }

        void writeRaw(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Answers the hybrid-vsock handshake. */
        Conversation handshake() throws IOException {
            readLine();
            writeRaw("OK 1073741824\n".getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        /** The handshake and the HELLO exchange, as a real agent does them. */
        Conversation hello() throws IOException {
            handshake();
            new FrameReader(in).expect(FrameType.HELLO);
            write(FrameType.HELLO, Payloads.u16(Protocol.VERSION));
            return this;
        }

        Frame readFrame() throws IOException {
            return new FrameReader(in).read();
        }

        void write(FrameType type, byte[] payload) throws IOException {
            new FrameWriter(out).write(type, payload);
        }

        /** Says nothing more, and keeps the connection open, until the test is over. */
        void hang() {
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final ServerSocketChannel server;
    private final CountDownLatch released = new CountDownLatch(1);
    private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();

    HostileAgent(Path socket, Script script) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread accepting = new Thread(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel channel = server.accept();
                    connections.add(channel);
                    Thread conversation = new Thread(() -> {
                        try {
                            script.play(new Conversation(channel, released));
                        } catch (IOException e) {
                            // The client went away.
                        }
                    }, "hostile-agent-connection");
                    conversation.setDaemon(true);
                    conversation.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "hostile-agent");
        accepting.setDaemon(true);
        accepting.start();
    }

    @Override
    public void close() throws IOException {
        released.countDown();
        server.close();
        for (SocketChannel channel : connections) {
            channel.close();
        }
    }
}
