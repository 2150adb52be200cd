package org.qvm.guest.filecopy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.qvm.guest.files.FileStatus;

/**
 * Qubes' {@code struct file_header}, 32 bytes in native (little-endian) order: u32 namelen
 * (including the name's terminating NUL), u32 mode, u64 filelen, u32 atime, u32 atime_nsec, u32
 * mtime, u32 mtime_nsec. A header with namelen 0 ends the stream.
 *
 * <p>Times are sent as Qubes' packer sends them: the kernel's seconds cut to 32 bits, and
 * nanoseconds from 0 to 999999999 (so 1.5 s before 1970 is -2 s and 500000000 ns). The receiver
 * reads the seconds as unsigned, as Qubes' unpacker does.
 */
public record FileHeader(int nameLength, int mode, long fileLength, long atime, int atimeNsec, long mtime, int mtimeNsec) {
    public static final int SIZE = 32;
    public static final FileHeader END = new FileHeader(0, 0, 0, 0, 0, 0, 0);

    /** The header of a file, directory or link as statx found it. */
    static FileHeader of(int nameLength, FileStatus status, long fileLength) {
        return new FileHeader(nameLength, status.mode(), fileLength, status.atimeSeconds(), status.atimeNanos(),
                status.mtimeSeconds(), status.mtimeNanos());
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(nameLength).putInt(mode).putLong(fileLength)
                .putInt((int) atime).putInt(atimeNsec).putInt((int) mtime).putInt(mtimeNsec).array();
    }

    public static FileHeader decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        return new FileHeader(in.getInt(), in.getInt(), in.getLong(), Integer.toUnsignedLong(in.getInt()), in.getInt(),
                Integer.toUnsignedLong(in.getInt()), in.getInt());
    }

    public int type() {
        return mode & FileStatus.S_IFMT;
    }

    public boolean isEnd() {
        return nameLength == 0;
    }
}
