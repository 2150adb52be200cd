package org.qvm.cli;

import java.io.PrintWriter;
import java.util.function.LongConsumer;
import org.qvm.config.Size;

/** A one-line progress bar on standard error, redrawn at most ten times a second. */
final class ProgressBar implements LongConsumer {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final long total;
    private final long started = System.nanoTime();
    private long lastDrawn;

    ProgressBar(PrintWriter err, long total) {
        this.err = err;
        this.total = Math.max(total, 1);
    }

    @Override
    public void accept(long done) {
        long now = System.nanoTime();
        if (now - lastDrawn < REDRAW_NANOS && done < total) {
            return;
        }
        lastDrawn = now;
        int filled = (int) (WIDTH * done / total);
        double seconds = Math.max((now - started) / 1e9, 1e-3);
        err.printf("\r[%s%s] %3d%% %s/%s %s/s ", "=".repeat(filled), " ".repeat(WIDTH - filled), 100 * done / total,
                new Size(done).approximate(), new Size(total).approximate(), new Size((long) (done / seconds)).approximate());
        err.flush();
    }

    void finish() {
        err.println();
        err.flush();
    }
}
