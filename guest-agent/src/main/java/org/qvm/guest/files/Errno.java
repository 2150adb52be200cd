package org.qvm.guest.filecopy;

import java.util.Map;

/** The Linux errno values the file copy reports, with their names for messages. */
public final class Errno {
    public static final int ENOENT = 2;
    public static final int EIO = 5;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ENAMETOOLONG = 36;
    public static final int ELOOP = 40;
    public static final int EPROTO = 71;

    private static final Map<Integer, String> NAMES = Map.of(ENOENT, "ENOENT: no such file or directory",
            EIO, "EIO: input/output error (the stream broke off or was damaged)", EACCES, "EACCES: permission denied",
            EEXIST, "EEXIST: the name already exists (files are never overwritten)", ENOTDIR, "ENOTDIR: not a directory",
            EINVAL, "EINVAL: invalid name, type or field", ENOSPC, "ENOSPC: no space left on the device",
            ENAMETOOLONG, "ENAMETOOLONG: name too long", ELOOP, "ELOOP: a path component is a symbolic link",
            EPROTO, "EPROTO: protocol error");

    private Errno() {
    }

    public static String describe(int errno) {
        return NAMES.getOrDefault(errno, "error " + errno);
    }
}
