package org.qvm.wayland.proxy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.qvm.wayland.wire.Encoder;
import org.qvm.wayland.wire.FdQueue;
import org.qvm.wayland.wire.UnixSocket;

/** A hand-made Wayland client that says exactly what a test makes it say, well-formed or not. */
final class RawClient implements AutoCloseable {
    private final UnixSocket socket;

    RawClient(Path path) throws Exception {
        socket = UnixSocket.connect(path);
    }

    void send(ByteBuffer message) throws Exception {
        socket.send(message, new int[0], 0);
    }

    void send(ByteBuffer message, int... fds) throws Exception {
        socket.send(message, fds, fds.length);
    }

    /** Raw bytes, header and all, as a hostile client may write them. */
    void sendWords(int... words) throws Exception {
        ByteBuffer bytes = ByteBuffer.allocate(words.length * 4).order(ByteOrder.nativeOrder());
        for (int word : words) {
            bytes.putInt(word);
        }
        send(bytes.flip());
    }

    static ByteBuffer message(int object, int opcode, Object... args) {
        Encoder encoder = new Encoder(object, opcode);
        for (Object arg : args) {
            if (arg instanceof Integer value) {
                encoder.uint(value);
            } else {
                encoder.string((String) arg);
            }
        }
        return encoder.done();
    }

    /** Reads until the other end closes (true) or {@code limit} passes (false); what it read is dropped. */
    boolean closedWithin(Duration limit) throws Exception {
        CompletableFuture<Boolean> ended = CompletableFuture.supplyAsync(() -> {
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            FdQueue fds = new FdQueue();
            try {
                while (socket.receive(buffer, fds) >= 0) {
                    buffer.clear();
                    fds.closeAll();
                }
                return true;
            } catch (java.io.IOException e) {
                return true;
            } finally {
                fds.closeAll();
            }
        });
        try {
            return ended.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /** Reads until {@code predicate} holds for what came so far (true), the end, or {@code limit} (false). */
    boolean received(Duration limit, java.util.function.Predicate<ByteBuffer> predicate) throws Exception {
        CompletableFuture<Boolean> seen = CompletableFuture.supplyAsync(() -> {
            ByteBuffer buffer = ByteBuffer.allocate(256 * 1024).order(ByteOrder.nativeOrder());
            FdQueue fds = new FdQueue();
            try {
                while (socket.receive(buffer, fds) >= 0) {
                    fds.closeAll();
                    if (predicate.test(buffer.duplicate().flip().order(ByteOrder.nativeOrder()))) {
                        return true;
                    }
                }
                return false;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        try {
            return seen.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
