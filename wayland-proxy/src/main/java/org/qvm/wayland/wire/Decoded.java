package org.qvm.wayland.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.qvm.wayland.protocol.Arg;
import org.qvm.wayland.protocol.Message;
import org.qvm.wayland.protocol.WireType;

/**
 * One message's arguments, decoded in place over its bytes by the message's signature: each
 * argument's value (for a string or array, its length in bytes, 0 for null), where a string's or
 * array's bytes start, and the file descriptors it carries, taken from the connection's queue.
 * Anything that does not fit the signature exactly is a {@link Violation}.
 */
public final class Decoded {
    public final int[] values;
    /** Where each argument's word is, from the message's start (a string's or array's: its length; bind's new_id: the id). */
    public final int[] positions;
    public final int[] offsets;
    public final int[] fds;
    /** For the untyped new_id of wl_registry.bind: the interface named, its version (the id is in {@link #values}). */
    public String boundInterface;
    public int boundVersion;
    private final ByteBuffer buffer;


    private Decoded(int args, int fdCount, ByteBuffer buffer) {
        values = new int[args];
        positions = new int[args];
        offsets = new int[args];
        fds = new int[fdCount];
        this.buffer = buffer;

    }

    public static final int HEADER = 8;
    public static final int MAX_SIZE = 4096;

    /** Decodes the message of {@code size} bytes at {@code start}; takes its descriptors from {@code queue}. */
    public static Decoded decode(ByteBuffer buffer, int start, int size, Message message, FdQueue queue) throws Violation {
        int fdCount = message.fdCount();
        if (queue.size() < fdCount) {
            throw new Violation(message.name() + " needs " + fdCount + " file descriptor(s), " + queue.size() + " came");
        }
        Decoded decoded = new Decoded(message.args().size(), fdCount, buffer);
        int end = start + size;
        int at = start + HEADER;
        for (int i = 0; i < message.args().size(); i++) {
            Arg arg = message.args().get(i);
            WireType type = arg.type();
            if (type == WireType.FD) {
                continue;
            }
            if (type == WireType.NEW_ID && arg.iface().isEmpty()) {
                int length = word(buffer, at, end, message);
                at += 4;
                at = decoded.checkString(at, end, length, false, message, i);
                decoded.boundInterface = new String(bytes(buffer, decoded.offsets[i], length - 1), StandardCharsets.UTF_8);
                decoded.boundVersion = word(buffer, at, end, message);
                at += 4;
                decoded.positions[i] = at - start;
                decoded.values[i] = word(buffer, at, end, message);
                at += 4;
                continue;
            }
            int value = word(buffer, at, end, message);
            decoded.positions[i] = at - start;
            at += 4;
            decoded.values[i] = value;
            if (type == WireType.STRING) {
                at = decoded.checkString(at, end, value, arg.nullable(), message, i);
            } else if (type == WireType.ARRAY) {
                if (value < 0 || value > end - at) {
                    throw new Violation(message.name() + ": an array longer than its message");
                }
                decoded.offsets[i] = at;
                at += align(value);
                if (at > end) {
                    throw new Violation(message.name() + ": an array longer than its message");
                }
            }
        }
        if (at != end) {
            throw new Violation(message.name() + ": " + (end - at) + " bytes more than its arguments");
        }
        // Only a message that decoded whole takes its descriptors (a broken one leaves them to the queue, closed with it).
        for (int i = 0; i < fdCount; i++) {
            decoded.fds[i] = queue.take();
        }
        return decoded;
    }

    private int checkString(int at, int end, int length, boolean nullable, Message message, int index) throws Violation {
        if (length == 0) {
            if (!nullable) {
                throw new Violation(message.name() + ": a null string where one is required");
            }
            return at;
        }
        if (length < 0 || length > end - at) {
            throw new Violation(message.name() + ": a string longer than its message");
        }
        if (buffer.get(at + length - 1) != 0) {
            throw new Violation(message.name() + ": a string without its terminating NUL");
        }
        offsets[index] = at;
        int next = at + align(length);
        if (next > end) {
            throw new Violation(message.name() + ": a string longer than its message");
        }
        return next;
    }

    private static int word(ByteBuffer buffer, int at, int end, Message message) throws Violation {
        if (at + 4 > end) {
            throw new Violation(message.name() + ": shorter than its arguments");
        }
        return buffer.getInt(at);
    }

    static int align(int length) {
        return (length + 3) & ~3;
    }

    private static byte[] bytes(ByteBuffer buffer, int at, int length) {
        byte[] bytes = new byte[length];
        buffer.get(at, bytes);
        return bytes;
    }

    /** A string argument, without its NUL (null for a null string). */
    public String string(int index) {
        return values[index] == 0 ? null : new String(bytes(buffer, offsets[index], values[index] - 1), StandardCharsets.UTF_8);
    }

    /** Closes the descriptors this message carried (for a message that is not passed on). */
    public void closeFds() {
        Arrays.stream(fds).filter(fd -> fd >= 0).forEach(FdQueue::close);
    }

}
