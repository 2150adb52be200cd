package org.qvm.wayland.proxy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.qvm.wayland.wire.FdQueue;
import org.qvm.wayland.wire.UnixSocket;

/**
 * One end of a Wayland connection that a test scripts: a client, or a compositor. Messages that
 * arrive are parsed (object, opcode, the argument words) into a queue in a thread of its own; the
 * descriptors that came are kept in order.
 */
final class Peer implements AutoCloseable {
    record Message(int object, int opcode, ByteBuffer args, int fdsBefore) {
        int word(int index) {
            return args.getInt(index * 4);
        }
    }

    private final UnixSocket socket;
    private final LinkedBlockingQueue<Message> received = new LinkedBlockingQueue<>();
    final List<Message> all = java.util.Collections.synchronizedList(new ArrayList<>());
    final FdQueue fds = new FdQueue();
    private volatile boolean closed;

    Peer(UnixSocket socket) {
        this.socket = socket;
        Thread reader = new Thread(this::read, "peer");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        ByteBuffer buffer = ByteBuffer.allocate(256 * 1024).order(ByteOrder.nativeOrder());
        try {
            while (socket.receive(buffer, fds) >= 0) {
                buffer.flip();
                while (buffer.remaining() >= 8) {
                    int start = buffer.position();
                    int size = buffer.getInt(start + 4) >>> 16;
                    if (buffer.remaining() < size) {
                        break;
                    }
                    ByteBuffer args = ByteBuffer.allocate(size - 8).order(ByteOrder.nativeOrder());
                    args.put(buffer.slice(start + 8, size - 8)).flip();
                    Message message = new Message(buffer.getInt(start), buffer.getInt(start + 4) & 0xffff, args, fds.size());
                    all.add(message);
                    received.add(message);
                    buffer.position(start + size);
                }
                buffer.compact();
            }
        } catch (java.io.IOException e) {
            // Closed.
        }
        closed = true;
    }

    void send(ByteBuffer message, int... fds) throws Exception {
        socket.send(message, fds, fds.length);
    }

    /** The next message that matches, within a few seconds; the ones before it are passed over. */
    Message await(String what, Predicate<Message> wanted) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Message next = received.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            if (next == null) {
                throw new AssertionError("no " + what + " within 10 s; all: " + describe());
            }
            if (wanted.test(next)) {
                return next;
            }
        }
    }

    /** Waits for a message that marks the end of what a test checks (a sync's answer), then says whether any before it matched. */
    boolean sawBefore(Message marker, Predicate<Message> check) {
        synchronized (all) {
            for (Message message : all) {
                if (message == marker) {
                    return false;
                }
                if (check.test(message)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Every message so far, in order (a copy). */
    List<Message> snapshot() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    String describe() {
        synchronized (all) {
            return all.stream().map(m -> Integer.toUnsignedString(m.object()) + "." + m.opcode()).toList().toString();
        }
    }

    boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        socket.close();
        fds.closeAll();
    }
}
