package org.qvm.wayland.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds one message (for a rewrite, or one the proxy sends itself). */
public final class Encoder {
    private final ByteBuffer buffer = ByteBuffer.allocate(Decoded.MAX_SIZE).order(ByteOrder.nativeOrder());
    private final int object;
    private final int opcode;

    public Encoder(int object, int opcode) {
        this.object = object;
        this.opcode = opcode;
        buffer.position(Decoded.HEADER);
    }

    public Encoder uint(int value) {
        buffer.putInt(value);
        return this;
    }

    /** A string argument; null for a null string. The caller keeps the message within {@value Decoded#MAX_SIZE} bytes. */
    public Encoder string(String value) {
        if (value == null) {
            buffer.putInt(0);
            return this;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        buffer.putInt(bytes.length + 1);
        buffer.put(bytes);
        buffer.put((byte) 0);
        while (buffer.position() % 4 != 0) {
            buffer.put((byte) 0);
        }
        return this;
    }

    /** The whole message, header included. */
    public ByteBuffer done() {
        int size = buffer.position();
        buffer.putInt(0, object);
        buffer.putInt(4, size << 16 | opcode);
        return buffer.flip();
    }
}
