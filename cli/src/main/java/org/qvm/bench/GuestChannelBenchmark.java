package org.qvm.bench;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.qvm.guest.client.GuestClient;
import org.qvm.guest.client.GuestEndpoint;
import org.qvm.guest.filecopy.FileCopyPacker;
import org.qvm.guest.protocol.ExecRequest;

/**
 * Measurements for bench/guest-channel (not part of any tool): the round trip of running
 * {@code true} through the agent, in this JVM (so without JVM start-up), and the throughput of a
 * file copy. Prints {@code key value} lines.
 */
public final class GuestChannelBenchmark {
    private GuestChannelBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        GuestClient client = new GuestClient(new GuestEndpoint.Hybrid(Path.of(args[1]), 5000));
        switch (args[0]) {
            case "roundtrip" -> roundTrip(client, Integer.parseInt(args[2]));
            case "copy" -> copy(client, Path.of(args[2]));
            default -> throw new IllegalArgumentException("roundtrip SOCKET N | copy SOCKET FILE");
        }
    }

    private static void roundTrip(GuestClient client, int runs) throws Exception {
        ExecRequest request = new ExecRequest(false, true, "", "", List.of("true"), List.of());
        for (int i = 0; i < 50; i++) {
            client.run(request, null, OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), s -> { });
        }
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            int status = client.run(request, null, OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), s -> { });
            millis.add((System.nanoTime() - start) / 1e6);
            if (status != 0) {
                throw new IllegalStateException("true exited " + status);
            }
        }
        Collections.sort(millis);
        System.out.printf("roundtrip_median_ms %.2f%nroundtrip_p90_ms %.2f%n", millis.get(runs / 2), millis.get(runs * 9 / 10));
    }

    private static void copy(GuestClient client, Path file) throws Exception {
        FileCopyPacker.Manifest manifest = FileCopyPacker.scan(List.of(file), false);
        long start = System.nanoTime();
        FileCopyPacker.Outcome outcome = client.copy(manifest, done -> { });
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!outcome.verified()) {
            throw new IllegalStateException("copy failed: " + outcome);
        }
        System.out.printf("copy_seconds %.3f%ncopy_mb_per_s %.1f%n", seconds, manifest.bytes() / seconds / 1e6);
    }
}
