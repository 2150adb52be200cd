package org.qvm.guest.protocol;

/** One frame: its type and payload. */
public record Frame(FrameType type, byte[] payload) {
    public static Frame empty(FrameType type) {
        return new Frame(type, new byte[0]);
    }
}
