package org.qvm.guest.transport;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The few C library calls the JDK does not offer: AF_VSOCK sockets, signals to process groups,
 * and the *at() calls that create files relative to an open directory without following links.
 * Each call that fails throws {@link LastErrorException} with errno.
 */
public interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int AF_VSOCK = 40;
    int SOCK_STREAM = 1;
    int SOCK_CLOEXEC = 0x80000;
    int SHUT_WR = 1;

    int O_RDONLY = 0;
    int O_DIRECTORY = 0x10000;
    int O_NOFOLLOW = 0x20000;
    int O_CLOEXEC = 0x80000;
    int O_PATH = 0x200000;
    int AT_SYMLINK_NOFOLLOW = 0x100;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int connect(int fd, byte[] address, int length) throws LastErrorException;

    int bind(int fd, byte[] address, int length) throws LastErrorException;

    int listen(int fd, int backlog) throws LastErrorException;

    int accept4(int fd, byte[] address, IntByReference length, int flags) throws LastErrorException;

    int read(int fd, Pointer buffer, int count) throws LastErrorException;

    int write(int fd, Pointer buffer, int count) throws LastErrorException;

    int shutdown(int fd, int how) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;

    int openat(int dirfd, String path, int flags, int mode) throws LastErrorException;

    int mkdirat(int dirfd, String path, int mode) throws LastErrorException;

    int symlinkat(String target, int dirfd, String path) throws LastErrorException;

    int fchmodat(int dirfd, String path, int mode, int flags) throws LastErrorException;

    int fchownat(int dirfd, String path, int uid, int gid, int flags) throws LastErrorException;

    /** {@code times} is two struct timespec (atime, mtime): seconds and nanoseconds as longs. */
    int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;

    String strerror(int errno);
}
