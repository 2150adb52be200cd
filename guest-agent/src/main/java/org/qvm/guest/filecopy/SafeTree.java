package org.qvm.guest.filecopy;

import com.sun.jna.LastErrorException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.qvm.guest.transport.LibC;

/**
 * Creates files, directories and links under one directory without ever following a symbolic
 * link: every component of a path is opened relative to its parent's descriptor with O_NOFOLLOW
 * (openat, mkdirat, symlinkat). A link planted anywhere in the tree, by the stream itself or by
 * someone in the guest, makes the operation fail instead of escaping. Files are created
 * exclusively (never overwritten).
 */
public final class SafeTree implements Closeable {
    private static final int DIRECTORY = LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC;

    private final int root;
    private final int uid;
    private final int gid;

    private SafeTree(int root, int uid, int gid) {
        this.root = root;
        this.uid = uid;
        this.gid = gid;
    }

    /** A failure with its errno, for the answer to the sender. */
    public static final class TreeException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        TreeException(int errno, String message) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /**
     * Opens {@code base} (trusted: the user's home), then makes and opens {@code relative} under it
     * (QubesIncoming/host), each component with mode 0700 and without following links.
     *
     * @param uid owner to give everything created (-1: leave it to the agent's own user)
     */
    public static SafeTree open(Path base, String relative, int uid, int gid) throws TreeException {
        int fd = call(() -> LibC.INSTANCE.openat(AT_FDCWD, base.toString(), LibC.O_RDONLY | LibC.O_DIRECTORY
                | LibC.O_CLOEXEC, 0), base.toString());
        try {
            for (String component : relative.split("/")) {
                mkdirAt(fd, component, uid, gid);
                int parent = fd;
                int next = call(() -> LibC.INSTANCE.openat(parent, component, DIRECTORY, 0), component);
                LibC.INSTANCE.close(parent);
                fd = next;
            }
        } catch (TreeException e) {
            LibC.INSTANCE.close(fd);
            throw e;
        }
        return new SafeTree(fd, uid, gid);
    }

    private static final int AT_FDCWD = -100;

    private interface Call {
        int run();
    }

    private static int call(Call call, String name) throws TreeException {
        try {
            return call.run();
        } catch (LastErrorException e) {
            throw new TreeException(e.getErrorCode(), name + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
        }
    }

    /** The descriptor of the directory that holds {@code name}'s last component (the caller closes it). */
    private int openParent(String name) throws TreeException {
        String[] parts = name.split("/");
        int fd = call(() -> LibC.INSTANCE.openat(root, ".", DIRECTORY, 0), ".");
        for (int i = 0; i < parts.length - 1; i++) {
            int parent = fd;
            String part = parts[i];
            try {
                fd = call(() -> LibC.INSTANCE.openat(parent, part, DIRECTORY, 0), part);
            } finally {
                LibC.INSTANCE.close(parent);
            }
        }
        return fd;
    }

    private static String last(String name) {
        return name.substring(name.lastIndexOf('/') + 1);
    }

    private static void mkdirAt(int parent, String component, int uid, int gid) throws TreeException {
        try {
            LibC.INSTANCE.mkdirat(parent, component, 0700);
            chown(parent, component, uid, gid);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Errno.EEXIST) {
                throw new TreeException(e.getErrorCode(), component + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
            }
            // An existing directory is fine (copies merge into it); a link or file of that name is not.
            int check = call(() -> LibC.INSTANCE.openat(parent, component, DIRECTORY, 0), component);
            LibC.INSTANCE.close(check);
        }
    }

    private static void chown(int parent, String component, int uid, int gid) throws TreeException {
        if (uid >= 0) {
            call(() -> LibC.INSTANCE.fchownat(parent, component, uid, gid, LibC.AT_SYMLINK_NOFOLLOW), component);
        }
    }

    /** Makes a directory (mode 0700 while it is being filled); an existing real directory is fine. */
    public void directory(String name) throws TreeException {
        int parent = openParent(name);
        try {
            mkdirAt(parent, last(name), uid, gid);
        } finally {
            LibC.INSTANCE.close(parent);
        }
    }

    /** Creates a new file for writing; the name must not exist. */
    public FileChannel createFile(String name) throws IOException {
        int parent = openParent(name);
        try {
            // /proc/self/fd/N is the open directory itself, not a path that could be swapped.
            Path file = Path.of("/proc/self/fd", Integer.toString(parent), last(name));
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
            chown(parent, last(name), uid, gid);
            return channel;
        } catch (FileAlreadyExistsException e) {
            throw new TreeException(Errno.EEXIST, name + ": exists already");
        } catch (FileSystemException e) {
            throw new TreeException(errnoOf(e), name + ": " + e.getReason());
        } finally {
            LibC.INSTANCE.close(parent);
        }
    }

    /** Removes a file this copy created and could not finish. */
    public void removeFile(String name) {
        try {
            int parent = openParent(name);
            try {
                java.nio.file.Files.deleteIfExists(Path.of("/proc/self/fd", Integer.toString(parent), last(name)));
            } finally {
                LibC.INSTANCE.close(parent);
            }
        } catch (IOException e) {
            // Best effort: the half-written file stays inside QubesIncoming.
        }
    }

    static int errnoOf(FileSystemException e) {
        String reason = String.valueOf(e.getReason());
        if (reason.contains("symbolic links")) {
            return Errno.ELOOP;
        }
        if (reason.contains("No space")) {
            return Errno.ENOSPC;
        }
        if (reason.contains("Not a directory")) {
            return Errno.ENOTDIR;
        }
        if (reason.contains("Permission denied")) {
            return Errno.EACCES;
        }
        return Errno.EIO;
    }

    /** Creates a symbolic link; the name must not exist. */
    public void symlink(String name, String target) throws TreeException {
        int parent = openParent(name);
        try {
            call(() -> LibC.INSTANCE.symlinkat(target, parent, last(name)), name);
            chown(parent, last(name), uid, gid);
        } finally {
            LibC.INSTANCE.close(parent);
        }
    }

    /** Sets permissions (not for links, which have none) and times, without following links. */
    public void finish(String name, int mode, boolean link, long atime, int atimeNsec, long mtime, int mtimeNsec)
            throws TreeException {
        int parent = openParent(name);
        try {
            if (!link) {
                call(() -> LibC.INSTANCE.fchmodat(parent, last(name), mode & 07777, 0), name);
            }
            long[] times = {atime, atimeNsec, mtime, mtimeNsec};
            call(() -> LibC.INSTANCE.utimensat(parent, last(name), times, LibC.AT_SYMLINK_NOFOLLOW), name);
        } finally {
            LibC.INSTANCE.close(parent);
        }
    }

    @Override
    public void close() {
        LibC.INSTANCE.close(root);
    }
}
