package org.qvm.guest.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Two connections joined, byte for byte, both ways, each direction until its end (then the other
 * side is told that no more comes): for a stream that may be idle as long as it likes, such as an
 * application's windows. Returns when both directions have ended.
 */
public final class Splice {
    private Splice() {
    }

    public static void bothWays(GuestSocket a, GuestSocket b, String name) throws InterruptedException {
        a.bound(GuestSocket.NO_DEADLINE, null);
        b.bound(GuestSocket.NO_DEADLINE, null);
        Thread back = new Thread(() -> copyToEnd(b.input(), a.output(), a), name + "-back");
        back.setDaemon(true);
        back.start();
        copyToEnd(a.input(), b.output(), b);
        back.join();
    }

    private static void copyToEnd(InputStream from, OutputStream to, GuestSocket toSocket) {
        byte[] buffer = new byte[64 * 1024];
        try {
            int n;
            while ((n = from.read(buffer)) > 0) {
                to.write(buffer, 0, n);
                to.flush();
            }
        } catch (IOException e) {
            // One side went: the other sees the end.
        }
        try {
            toSocket.shutdownOutput();
        } catch (IOException e) {
            // Gone already.
        }
    }
}
