package org.qvm.guest.protocol;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** Reads frames, checking each header before reading its payload: nothing unbounded is ever read. */
public final class FrameReader {
    private final DataInputStream in;

    public FrameReader(InputStream in) {
        this.in = new DataInputStream(in);
    }

    /** The underlying stream, for the unframed part of a file copy. */
    public InputStream stream() {
        return in;
    }

    /** The next frame, or null at a clean end of stream (between frames). */
    public Frame read() throws IOException {
        int code = in.read();
        if (code < 0) {
            return null;
        }
        FrameType type = FrameType.of(code);
        if (type == null) {
            throw new ProtocolException("unknown frame type " + code);
        }
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            throw new ProtocolException("the stream ended inside a frame header");
        }
        if (length < 0 || length > type.maxLength()) {
            throw new ProtocolException(type + " frame of " + Integer.toUnsignedString(length)
                    + " bytes is over its limit of " + type.maxLength());
        }
        byte[] payload = new byte[length];
        try {
            in.readFully(payload);
        } catch (EOFException e) {
            throw new ProtocolException("the stream ended inside a " + type + " frame");
        }
        return new Frame(type, payload);
    }

    /** The next frame, which must be there and of one of the given types. */
    public Frame expect(FrameType... types) throws IOException {
        Frame frame = read();
        if (frame == null) {
            throw new ProtocolException("the other side closed the connection");
        }
        for (FrameType type : types) {
            if (frame.type() == type) {
                return frame;
            }
        }
        throw new ProtocolException("unexpected " + frame.type() + " frame");
    }
}
