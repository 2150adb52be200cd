package org.qvm.guest.files;

import java.util.Map;

/** The Linux errno values the file copy reports, with their names for messages (Qubes uses the same numbers). */
public final class Errno {
    public static final int ENOENT = 2;
    public static final int EIO = 5;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENOLINK = 67;
    public static final int EPROTO = 71;
    public static final int EILSEQ = 84;
    public static final int EOPNOTSUPP = 95;
    public static final int EREMOTEIO = 121;
    public static final int EDQUOT = 122;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(ENOENT, "ENOENT: no such file or directory"),
            Map.entry(EIO, "EIO: input/output error"),
            Map.entry(EACCES, "EACCES: permission denied"),
            Map.entry(EEXIST, "EEXIST: the name already exists (files are never overwritten)"),
            Map.entry(ENOTDIR, "ENOTDIR: not a directory"),
            Map.entry(EISDIR, "EISDIR: is a directory"),
            Map.entry(EINVAL, "EINVAL: invalid type or field"),
            Map.entry(ENOSPC, "ENOSPC: no space left on the device"),
            Map.entry(ENAMETOOLONG, "ENAMETOOLONG: name too long"),
            Map.entry(ELOOP, "ELOOP: a path component is a symbolic link"),
            Map.entry(ENOLINK, "ENOLINK: a symbolic link would point outside the copied tree"),
            Map.entry(EPROTO, "EPROTO: protocol error"),
            Map.entry(EILSEQ, "EILSEQ: a name holds a character that is not allowed, or is not a valid name"),
            Map.entry(EREMOTEIO, "EREMOTEIO: the stream broke off before its end"),
            Map.entry(EDQUOT, "EDQUOT: a size that cannot be stored"));

    private Errno() {
    }

    public static String describe(int errno) {
        return NAMES.getOrDefault(errno, "error " + errno);
    }
}
