package org.qvm.guest.protocol;

import java.io.IOException;
import java.io.OutputStream;

/** Writes frames; several threads may write through one writer (each frame goes out whole). */
public final class FrameWriter {
    private final OutputStream out;
    private final byte[] header = new byte[5];

    public FrameWriter(OutputStream out) {
        this.out = out;
    }

    /** The underlying stream, for the unframed part of a file copy. */
    public OutputStream stream() {
        return out;
    }

    public void write(FrameType type, byte[] payload) throws IOException {
        write(type, payload, 0, payload.length);
    }

    public synchronized void write(FrameType type, byte[] payload, int offset, int length) throws IOException {
        if (length > type.maxLength()) {
            throw new IllegalArgumentException(type + " payload of " + length + " bytes is over its limit");
        }
        header[0] = (byte) type.code();
        header[1] = (byte) (length >>> 24);
        header[2] = (byte) (length >>> 16);
        header[3] = (byte) (length >>> 8);
        header[4] = (byte) length;
        out.write(header);
        out.write(payload, offset, length);
        out.flush();
    }

    public void writeEmpty(FrameType type) throws IOException {
        write(type, new byte[0], 0, 0);
    }
}
