package org.qvm.guest.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_vm}, 16 bytes in the machine's byte order: u16 family (40), u16
 * reserved, u32 port, u32 cid, u8 flags, 3 zero bytes.
 */
public record VsockAddress(long cid, long port) {
    public static final int SIZE = 16;
    /** Any CID, for listening. */
    public static final long CID_ANY = 0xFFFF_FFFFL;
    /** The host, as seen from a guest: the only peer the agent accepts. */
    public static final long CID_HOST = 2;

    public VsockAddress {
        if (cid < 0 || cid > 0xFFFF_FFFFL || port < 0 || port > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("a vsock CID and port are 32-bit numbers");
        }
    }

    public byte[] toBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
        buffer.putShort((short) LibC.AF_VSOCK).putShort((short) 0).putInt((int) port).putInt((int) cid);
        return buffer.array();
    }

    public static VsockAddress fromBytes(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        if (bytes.length < SIZE || buffer.getShort(0) != LibC.AF_VSOCK) {
            throw new IllegalArgumentException("not a vsock address");
        }
        return new VsockAddress(Integer.toUnsignedLong(buffer.getInt(8)), Integer.toUnsignedLong(buffer.getInt(4)));
    }

    @Override
    public String toString() {
        return "vsock:" + cid + ":" + port;
    }
}
