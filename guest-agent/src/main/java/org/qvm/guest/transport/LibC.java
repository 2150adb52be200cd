package org.qvm.guest.transport;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The few C library calls the JDK does not offer: AF_VSOCK sockets on plain descriptors (so that
 * every wait can be bounded with poll), signals to process groups, per-thread filesystem ids, and the
 * *at() calls that work relative to an open directory without following links. Paths are always
 * passed as NUL-terminated bytes ({@link #path}), never as Java strings, so a file name travels as
 * its exact bytes whatever the locale says. Each call that fails throws {@link LastErrorException}
 * with errno.
 */
public interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int AF_VSOCK = 40;
    int SOCK_STREAM = 1;
    int SOCK_NONBLOCK = 0x800;
    int SOCK_CLOEXEC = 0x80000;
    int SHUT_WR = 1;
    int SHUT_RDWR = 2;
    int SOL_SOCKET = 1;
    int SO_ERROR = 4;

    short POLLIN = 0x1;
    short POLLOUT = 0x4;
    short POLLNVAL = 0x20;

    int EINTR = 4;
    int EAGAIN = 11;
    int EINPROGRESS = 115;

    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_NONBLOCK = 0x800;
    int O_DIRECTORY = 0x10000;
    int O_NOFOLLOW = 0x20000;
    int O_CLOEXEC = 0x80000;
    /** O_TMPFILE as the kernel defines it: __O_TMPFILE | O_DIRECTORY. */
    int O_TMPFILE = 0x400000 | O_DIRECTORY;
    int O_CREAT = 0x40;
    int O_EXCL = 0x80;
    int O_NOCTTY = 0x100;
    int AT_FDCWD = -100;
    int AT_SYMLINK_NOFOLLOW = 0x100;
    int AT_REMOVEDIR = 0x200;
    int AT_SYMLINK_FOLLOW = 0x400;
    int AT_EMPTY_PATH = 0x1000;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int connect(int fd, byte[] address, int length) throws LastErrorException;

    int bind(int fd, byte[] address, int length) throws LastErrorException;

    int listen(int fd, int backlog) throws LastErrorException;

    int accept4(int fd, byte[] address, IntByReference length, int flags) throws LastErrorException;

    int getsockopt(int fd, int level, int name, byte[] value, IntByReference length) throws LastErrorException;

    /** {@code fds} is an array of struct pollfd (int fd, short events, short revents), copied back. */
    int poll(byte[] fds, int count, int timeoutMillis) throws LastErrorException;

    int read(int fd, Pointer buffer, int count) throws LastErrorException;

    int write(int fd, Pointer buffer, int count) throws LastErrorException;

    int shutdown(int fd, int how) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;

    int openat(int dirfd, byte[] path, int flags, int mode) throws LastErrorException;

    int mkdirat(int dirfd, byte[] path, int mode) throws LastErrorException;

    int mkfifoat(int dirfd, byte[] path, int mode) throws LastErrorException;

    int symlinkat(byte[] target, int dirfd, byte[] path) throws LastErrorException;

    int readlinkat(int dirfd, byte[] path, byte[] buffer, int size) throws LastErrorException;

    int unlinkat(int dirfd, byte[] path, int flags) throws LastErrorException;

    int linkat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags) throws LastErrorException;

    int fchmod(int fd, int mode) throws LastErrorException;

    /** {@code times} is two struct timespec (atime, mtime): seconds and nanoseconds as longs. */
    int futimens(int fd, long[] times) throws LastErrorException;

    int utimensat(int dirfd, byte[] path, long[] times, int flags) throws LastErrorException;

    /** {@code buffer} is a struct statx, 256 bytes (see {@link org.qvm.guest.files.FileStatus}). */
    int statx(int dirfd, byte[] path, int flags, int mask, byte[] buffer) throws LastErrorException;

    Pointer fdopendir(int fd) throws LastErrorException;

    /** The next entry (a struct dirent64), or null at the end (errno unchanged) or on an error (errno set). */
    Pointer readdir64(Pointer dir);

    int closedir(Pointer dir) throws LastErrorException;

    /** Sets this thread's filesystem user id (Linux credentials are per thread); returns the previous one. */
    int setfsuid(int uid);

    /** Sets this thread's filesystem group id; returns the previous one. */
    int setfsgid(int gid);

    String strerror(int errno);

    /** A path or name as the C library takes it: its bytes and a NUL. */
    static byte[] path(byte[] bytes) {
        byte[] terminated = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new IllegalArgumentException("a path cannot hold a NUL byte");
            }
        }
        return terminated;
    }

    /** A path given as text (from the configuration, a command line): UTF-8 bytes and a NUL. */
    static byte[] path(String text) {
        return path(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
