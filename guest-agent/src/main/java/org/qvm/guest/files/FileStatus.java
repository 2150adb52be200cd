package org.qvm.guest.files;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What statx(2) says about one file: its type and mode, owner, size, identity (device and inode)
 * and times, seconds and nanoseconds as the kernel keeps them (a time before 1970 has negative
 * seconds and non-negative nanoseconds). struct statx has one layout on every architecture.
 */
public record FileStatus(int mode, int uid, int gid, long size, Identity identity, long atimeSeconds, int atimeNanos,
                         long mtimeSeconds, int mtimeNanos) {
    /** The size of struct statx. */
    static final int SIZE = 256;
    /** STATX_BASIC_STATS: type, mode, links, owner, times, inode, size, blocks. */
    static final int BASIC_STATS = 0x7ff;

    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFLNK = 0120000;

    /** Which file this is: two names for the same device and inode are the same file. */
    public record Identity(long devMajor, long devMinor, long inode) {
    }

    static FileStatus decode(byte[] statx) {
        ByteBuffer in = ByteBuffer.wrap(statx).order(ByteOrder.nativeOrder());
        int mode = Short.toUnsignedInt(in.getShort(28));
        Identity identity = new Identity(Integer.toUnsignedLong(in.getInt(136)), Integer.toUnsignedLong(in.getInt(140)),
                in.getLong(32));
        return new FileStatus(mode, in.getInt(20), in.getInt(24), in.getLong(40), identity, in.getLong(64), in.getInt(72),
                in.getLong(112), in.getInt(120));
    }

    public int type() {
        return mode & S_IFMT;
    }

    public boolean isRegularFile() {
        return type() == S_IFREG;
    }

    public boolean isDirectory() {
        return type() == S_IFDIR;
    }

    public boolean isSymbolicLink() {
        return type() == S_IFLNK;
    }
}
