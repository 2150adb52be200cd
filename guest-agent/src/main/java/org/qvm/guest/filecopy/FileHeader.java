package org.qvm.guest.filecopy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Qubes' {@code struct file_header}, 32 bytes in native (little-endian) order: u32 namelen
 * (including the name's terminating NUL), u32 mode, u64 filelen, u32 atime, u32 atime_nsec, u32
 * mtime, u32 mtime_nsec. A header with namelen 0 ends the stream.
 */
public record FileHeader(int nameLength, int mode, long fileLength, long atime, int atimeNsec, long mtime, int mtimeNsec) {
    public static final int SIZE = 32;
    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFLNK = 0120000;
    public static final FileHeader END = new FileHeader(0, 0, 0, 0, 0, 0, 0);

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
        return mode & S_IFMT;
    }

    public boolean isEnd() {
        return nameLength == 0;
    }
}
