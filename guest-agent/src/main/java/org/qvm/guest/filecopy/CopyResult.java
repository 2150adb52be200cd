package org.qvm.guest.filecopy;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.qvm.guest.UntrustedText;

/**
 * The receiver's answer, Qubes' {@code struct result_header} and {@code result_header_ext}:
 * u32 error_code (an errno, 0 for success), u32 pad, u64 crc32 of everything received; then u32
 * last_namelen and the last name processed (no NUL). Qubes' receiver sometimes sends the 16-byte
 * header alone (older versions, or no name to report): that is an answer too.
 */
public record CopyResult(int errno, long crc32, String lastName) {
    /** Names are shorter than {@link NameRules#MAX_NAME_LENGTH}; a longer one is not an answer. */
    static final int MAX_LAST_NAME = NameRules.MAX_NAME_LENGTH;
    static final int HEADER = 16;

    public boolean succeeded() {
        return errno == 0;
    }

    public void write(OutputStream out) throws IOException {
        byte[] name = lastName.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(HEADER + 4 + name.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(errno).putInt(0).putLong(crc32).putInt(name.length).put(name);
        out.write(bytes.array());
        out.flush();
    }

    /**
     * Reads an answer, bounded: a name over the limit is a broken answer. The name came from the
     * other side and is filtered for display.
     */
    public static CopyResult read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] header = new byte[HEADER];
        try {
            data.readFully(header);
        } catch (EOFException e) {
            throw new IOException("the receiver closed the connection without an answer");
        }
        ByteBuffer fields = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int errno = fields.getInt();
        fields.getInt();
        long crc = fields.getLong();
        byte[] length = new byte[4];
        int got = data.read(length);
        if (got < 0) {
            return new CopyResult(errno, crc, "");
        }
        try {
            data.readFully(length, got, 4 - got);
        } catch (EOFException e) {
            throw new IOException("the receiver's answer is malformed (it ends inside the name's length)");
        }
        int nameLength = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (nameLength < 0 || nameLength > MAX_LAST_NAME) {
            throw new IOException("the receiver's answer is malformed (name length " + Integer.toUnsignedString(nameLength) + ")");
        }
        byte[] name = new byte[nameLength];
        try {
            data.readFully(name);
        } catch (EOFException e) {
            throw new IOException("the receiver's answer is malformed (it ends inside the name)");
        }
        return new CopyResult(errno, crc, UntrustedText.forDisplay(name));
    }
}
