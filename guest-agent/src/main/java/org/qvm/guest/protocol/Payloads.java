package org.qvm.guest.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Encoding of the small payloads: integers big-endian, strings as u32 length and UTF-8. */
public final class Payloads {
    private Payloads() {
    }

    public static byte[] u16(int value) {
        return new byte[] {(byte) (value >>> 8), (byte) value};
    }

    public static int u16(byte[] payload) throws ProtocolException {
        if (payload.length != 2) {
            throw new ProtocolException("expected 2 bytes, got " + payload.length);
        }
        return ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
    }

    public static byte[] i32(int value) {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    public static int i32(byte[] payload) throws ProtocolException {
        if (payload.length != 4) {
            throw new ProtocolException("expected 4 bytes, got " + payload.length);
        }
        return ((payload[0] & 0xff) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8) | (payload[3] & 0xff);
    }

    /** An ERROR payload: u32 code, u16 length, message (cut to the limit). */
    public static byte[] error(int code, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, Protocol.MAX_MESSAGE);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(code);
            out.writeShort(length);
            out.write(text, 0, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A decoded ERROR frame. */
    public record ErrorPayload(int code, String message) {
    }

    public static ErrorPayload error(byte[] payload) throws ProtocolException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int code = in.readInt();
            byte[] text = new byte[in.readUnsignedShort()];
            in.readFully(text);
            return new ErrorPayload(code, new String(text, StandardCharsets.UTF_8));
        } catch (EOFException e) {
            throw new ProtocolException("malformed ERROR frame");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    static String readString(DataInputStream in, int remaining) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > remaining) {
            throw new ProtocolException("string of " + Integer.toUnsignedString(length) + " bytes does not fit its frame");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A u32 count, at most {@code maxCount}, then that many strings. */
    static java.util.List<String> readStrings(DataInputStream in, int limit, int maxCount, String what) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > maxCount) {
            throw new ProtocolException("too many " + what + ": " + Integer.toUnsignedString(count));
        }
        java.util.List<String> values = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            values.add(readString(in, limit));
        }
        return values;
    }

    static void writeStrings(DataOutputStream out, java.util.List<String> values) throws IOException {
        out.writeInt(values.size());
        for (String value : values) {
            writeString(out, value);
        }
    }
}
