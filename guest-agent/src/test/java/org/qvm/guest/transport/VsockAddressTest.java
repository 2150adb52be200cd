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
    void connectingWithoutAGuestFailsWithTheSystemsReason() {
        IOException failure = assertThrows(IOException.class, () -> VsockSocket.connect(new VsockAddress(3, 5000)));
        assertTrue(failure.getMessage().startsWith("cannot connect to vsock:3:5000: vsock "), failure.getMessage());
    }
}
