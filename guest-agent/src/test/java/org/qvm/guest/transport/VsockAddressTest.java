package org.qvm.guest.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** sockaddr_vm, and a real AF_VSOCK call (there is no vhost-vsock here: it must fail cleanly). */
class VsockAddressTest {
    @Test
    void sockaddrVmIsSixteenBytesInMachineOrder() {
        byte[] bytes = new VsockAddress(7, 5000).toBytes();
        assertEquals(16, bytes.length);
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            assertArrayEquals(new byte[] {40, 0, 0, 0, (byte) 0x88, 0x13, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0}, bytes);
        }
        assertEquals(new VsockAddress(7, 5000), VsockAddress.fromBytes(bytes));
        assertEquals(new VsockAddress(0xFFFF_FFFFL, 0xFFFF_FFFFL),
                VsockAddress.fromBytes(new VsockAddress(VsockAddress.CID_ANY, 0xFFFF_FFFFL).toBytes()));
        assertThrows(IllegalArgumentException.class, () -> new VsockAddress(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> VsockAddress.fromBytes(new byte[16]));
    }

    @Test
    void connectingWhereNothingAnswersGivesUpAtTheDeadline() {
        // CID 1 is this machine itself: nothing leaves it. Without a loopback transport the
        // connection is never answered (or is refused at once): either way the call returns in time.
        long start = System.nanoTime();
        IOException failure = assertThrows(IOException.class,
                () -> Sockets.connect(new VsockAddress(1, 5999), System.nanoTime() + 500_000_000L));
        assertTrue(failure.getMessage().startsWith("cannot connect to vsock:1:5999: "), failure.getMessage());
        assertTrue(System.nanoTime() - start < 3_000_000_000L, "gave up at its deadline, not vsock's own timeout");
    }
}
