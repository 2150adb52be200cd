package org.qvm.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.qvm.wayland.wire.Encoder;
import org.qvm.wayland.wire.FdQueue;
import org.qvm.wayland.wire.UnixSocket;

/**
 * Measurements for bench/wayland (not part of any tool), by a raw Wayland client on a socket (the
 * compositor's, or a VM's proxy's): the round trip of wl_display.sync, one at a time, and the
 * rate of syncs answered when a thousand are in flight. Prints {@code key value} lines.
 */
public final class WaylandBenchmark {
    private static final int SYNC = 0;
    private static final int DONE = 0;
    private static final int DELETE_ID = 1;

    private final UnixSocket socket;
    private final ByteBuffer in = ByteBuffer.allocate(1 << 20).order(ByteOrder.nativeOrder());
    private final FdQueue fds = new FdQueue();

    private WaylandBenchmark(Path path) throws Exception {
        socket = UnixSocket.connect(path);
    }

    public static void main(String[] args) throws Exception {
        WaylandBenchmark client = new WaylandBenchmark(Path.of(args[1]));
        int count = Integer.parseInt(args[2]);
        switch (args[0]) {
            case "sync" -> client.roundTrips(count);
            case "flood" -> client.flood(count);
            default -> throw new IllegalArgumentException("sync SOCKET N | flood SOCKET N");
        }
    }

    /** Sends syncs with ids first..first+n-1 and waits for all their delete_ids. */
    private void syncs(int first, int n) throws Exception {
        ByteBuffer batch = ByteBuffer.allocate(n * 12).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            batch.put(new Encoder(1, SYNC).uint(first + i).done());
        }
        batch.flip();
        while (batch.hasRemaining()) {
            ByteBuffer chunk = batch.slice(batch.position(), Math.min(batch.remaining(), 4092)).order(ByteOrder.nativeOrder());
            batch.position(batch.position() + chunk.remaining());
            socket.send(chunk, new int[0], 0);
        }
        int deleted = 0;
        while (deleted < n) {
            if (socket.receive(in, fds) < 0) {
                throw new IllegalStateException("the compositor closed the connection");
            }
            fds.closeAll();
            in.flip();
            while (in.remaining() >= 8) {
                int start = in.position();
                int object = in.getInt(start);
                int word = in.getInt(start + 4);
                int size = word >>> 16;
                if (in.remaining() < size) {
                    break;
                }
                if (object == 1 && (word & 0xffff) == DELETE_ID) {
                    deleted++;
                } else if ((word & 0xffff) != DONE) {
                    throw new IllegalStateException("unexpected event " + (word & 0xffff) + " on " + object);
                }
                in.position(start + size);
            }
            in.compact();
        }
    }

    private void roundTrips(int count) throws Exception {
        // Warm-up: the proxy's compiler and ours settle first.
        for (int i = 0; i < 5000; i++) {
            syncs(2, 1);
        }
        long[] micros = new long[count];
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            syncs(2, 1);
            micros[i] = (System.nanoTime() - start) / 1000;
        }
        Arrays.sort(micros);
        System.out.println("sync_p50_us " + micros[count / 2]);
        System.out.println("sync_p99_us " + micros[(int) (count * 0.99)]);
        System.out.println("sync_mean_us " + Arrays.stream(micros).sum() / count);
    }

    private void flood(int count) throws Exception {
        syncs(2, 1000);
        long start = System.nanoTime();
        for (int done = 0; done < count; done += 1000) {
            syncs(2, 1000);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.println("syncs_per_s " + Math.round(count / seconds));
    }
}
