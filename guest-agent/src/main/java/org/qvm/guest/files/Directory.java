package org.qvm.guest.files;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.qvm.guest.UntrustedText;
import org.qvm.guest.transport.LibC;

/**
 * An open directory, and everything done relative to it: nothing here takes a path that someone
 * could swap. A name is one component, as its exact bytes; it is never followed when it is a
 * symbolic link (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW), so a link planted anywhere in a tree stops the
 * operation instead of leading it elsewhere. Files are opened without blocking (a FIFO swapped in
 * cannot stall us) and checked to be regular files before they are used.
 */
public final class Directory implements AutoCloseable {
    private static final int DIRECTORY = LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC;
    private static final byte[] DOT = {'.', 0};
    private static final byte[] EMPTY = {0};
    /** d_name's place in struct dirent64 (after d_ino, d_off, d_reclen, d_type). */
    private static final int DIRENT_NAME = 19;

    private final int fd;
    private final String description;
    private boolean closed;

    private Directory(int fd, String description) {
        this.fd = fd;
        this.description = description;
    }

    /** Opens a directory given by the user, following links in its path as the user typed it. */
    public static Directory open(Path path) throws FileSystemError {
        String description = path.toString();
        return new Directory(call(() -> LibC.INSTANCE.openat(LibC.AT_FDCWD, LibC.path(description),
                LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0), description), description);
    }

    /** How a name looks in messages: its bytes as UTF-8, anything unsafe for a terminal as '_'. */
    public static String display(byte[] name) {
        return UntrustedText.forDisplay(name);
    }

    private String describe(byte[] name) {
        return description + "/" + display(name);
    }

    /** The descriptor, for the calls of this package. */
    int fd() {
        return fd;
    }

    /** What this directory is called in messages. */
    public String description() {
        return description;
    }

    /** Opens the directory {@code name} in this one; a symbolic link there is an error (ELOOP or ENOTDIR). */
    public Directory directory(byte[] name) throws FileSystemError {
        return new Directory(call(() -> LibC.INSTANCE.openat(fd, LibC.path(name), DIRECTORY, 0), describe(name)),
                describe(name));
    }

    /** Makes the directory {@code name} with {@code mode}; false if something of that name exists already. */
    public boolean makeDirectory(byte[] name, int mode) throws FileSystemError {
        try {
            LibC.INSTANCE.mkdirat(fd, LibC.path(name), mode);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Errno.EEXIST) {
                return false;
            }
            throw FileSystemError.of(e.getErrorCode(), describe(name));
        }
    }

    /** This directory's own status. */
    public FileStatus status() throws FileSystemError {
        return statx(EMPTY, LibC.AT_EMPTY_PATH, description);
    }

    /** The status of {@code name} itself (a link is not followed). */
    public FileStatus status(byte[] name) throws FileSystemError {
        return statx(LibC.path(name), LibC.AT_SYMLINK_NOFOLLOW, describe(name));
    }

    private FileStatus statx(byte[] path, int flags, String what) throws FileSystemError {
        byte[] buffer = new byte[FileStatus.SIZE];
        call(() -> LibC.INSTANCE.statx(fd, path, flags, FileStatus.BASIC_STATS, buffer), what);
        return FileStatus.decode(buffer);
    }

    /** The names in this directory (not "." and ".."), in byte order. */
    public List<byte[]> names() throws FileSystemError {
        int own = call(() -> LibC.INSTANCE.openat(fd, DOT, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0), description);
        Pointer stream;
        try {
            stream = LibC.INSTANCE.fdopendir(own);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(own);
            throw FileSystemError.of(e.getErrorCode(), description);
        }
        List<byte[]> names = new ArrayList<>();
        try {
            while (true) {
                Native.setLastError(0);
                Pointer entry = LibC.INSTANCE.readdir64(stream);
                if (entry == null) {
                    int errno = Native.getLastError();
                    if (errno != 0) {
                        throw FileSystemError.of(errno, "reading " + description);
                    }
                    break;
                }
                byte[] name = entry.getByteArray(DIRENT_NAME, (int) entry.indexOf(DIRENT_NAME, (byte) 0));
                if (!Arrays.equals(name, new byte[] {'.'}) && !Arrays.equals(name, new byte[] {'.', '.'})) {
                    names.add(name);
                }
            }
        } finally {
            LibC.INSTANCE.closedir(stream);
        }
        names.sort(Arrays::compareUnsigned);
        return names;
    }

    /** Opens the regular file {@code name} for reading; anything else there (a link, a FIFO) is an error. */
    public OpenFile openForReading(byte[] name) throws FileSystemError {
        int file = call(() -> LibC.INSTANCE.openat(fd, LibC.path(name), LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_NONBLOCK
                | LibC.O_NOCTTY | LibC.O_CLOEXEC, 0), describe(name));
        OpenFile open = new OpenFile(file, describe(name));
        try {
            if (!open.status().isRegularFile()) {
                throw new FileSystemError(Errno.EINVAL, describe(name) + ": not a regular file");
            }
            return open;
        } catch (FileSystemError e) {
            open.close();
            throw e;
        }
    }

    /**
     * A new file that nobody can see until {@link OpenFile#linkAs} gives it its name: O_TMPFILE in
     * this directory, where the file system has it; else it is created under {@code name} at once,
     * exclusively (never over something that exists).
     */
    public OpenFile createFile(byte[] name) throws FileSystemError {
        try {
            int file = LibC.INSTANCE.openat(fd, DOT, LibC.O_WRONLY | LibC.O_TMPFILE | LibC.O_CLOEXEC | LibC.O_NOCTTY, 0600);
            return new OpenFile(file, describe(name), this);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Errno.EOPNOTSUPP && e.getErrorCode() != Errno.EISDIR
                    && e.getErrorCode() != Errno.ENOENT) {
                throw FileSystemError.of(e.getErrorCode(), describe(name));
            }
        }
        int file = call(() -> LibC.INSTANCE.openat(fd, LibC.path(name), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL
                | LibC.O_NOFOLLOW | LibC.O_NOCTTY | LibC.O_CLOEXEC, 0600), describe(name));
        return new OpenFile(file, describe(name), null);
    }

    /** Links the unnamed file {@code file} (an O_TMPFILE) into this directory as {@code name}; EEXIST if taken. */
    void link(int file, byte[] name) throws FileSystemError {
        byte[] self = LibC.path("/proc/self/fd/" + file);
        call(() -> LibC.INSTANCE.linkat(LibC.AT_FDCWD, self, fd, LibC.path(name), LibC.AT_SYMLINK_FOLLOW), describe(name));
    }

    /** Makes the symbolic link {@code name} pointing at {@code target}; EEXIST if the name is taken. */
    public void symlink(byte[] target, byte[] name) throws FileSystemError {
        call(() -> LibC.INSTANCE.symlinkat(LibC.path(target), fd, LibC.path(name)), describe(name));
    }

    /** The target of the symbolic link {@code name}. */
    public byte[] readLink(byte[] name) throws FileSystemError {
        byte[] buffer = new byte[4097];
        int length = call(() -> LibC.INSTANCE.readlinkat(fd, LibC.path(name), buffer, buffer.length), describe(name));
        if (length >= buffer.length) {
            throw new FileSystemError(Errno.ENAMETOOLONG, describe(name) + ": link target too long");
        }
        return Arrays.copyOf(buffer, length);
    }

    /** Sets the times of {@code name} itself (a link is not followed). */
    public void setTimes(byte[] name, long atimeSeconds, int atimeNanos, long mtimeSeconds, int mtimeNanos)
            throws FileSystemError {
        long[] times = {atimeSeconds, atimeNanos, mtimeSeconds, mtimeNanos};
        call(() -> LibC.INSTANCE.utimensat(fd, LibC.path(name), times, LibC.AT_SYMLINK_NOFOLLOW), describe(name));
    }

    /** Sets this directory's own mode and times. */
    public void setModeAndTimes(int mode, long atimeSeconds, int atimeNanos, long mtimeSeconds, int mtimeNanos)
            throws FileSystemError {
        call(() -> LibC.INSTANCE.fchmod(fd, mode), description);
        long[] times = {atimeSeconds, atimeNanos, mtimeSeconds, mtimeNanos};
        call(() -> LibC.INSTANCE.futimens(fd, times), description);
    }

    /** Removes the entry {@code name} of this directory (an empty directory with {@code directory}). */
    public void remove(byte[] name, boolean directory) throws FileSystemError {
        call(() -> LibC.INSTANCE.unlinkat(fd, LibC.path(name), directory ? LibC.AT_REMOVEDIR : 0), describe(name));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }

    interface Call {
        int run();
    }

    static int call(Call call, String what) throws FileSystemError {
        try {
            return call.run();
        } catch (LastErrorException e) {
            throw FileSystemError.of(e.getErrorCode(), what);
        }
    }
}
