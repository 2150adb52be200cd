package org.qvm.wayland.wire;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** The few libc calls the proxy needs that Java does not offer: UNIX sockets with file descriptors (SCM_RIGHTS), and dropping privileges. */
interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int AF_UNIX = 1;
    int SOCK_STREAM = 1;
    int SOCK_CLOEXEC = 0x80000;
    int SOL_SOCKET = 1;
    int SCM_RIGHTS = 1;
    int MSG_CTRUNC = 0x8;
    int MSG_NOSIGNAL = 0x4000;
    int MSG_CMSG_CLOEXEC = 0x40000000;
    int SHUT_RDWR = 2;
    int EINTR = 4;
    int EAGAIN = 11;
    int O_NONBLOCK = 0x800;
    int O_CLOEXEC = 0x80000;
    int F_SETFL = 4;
    short POLLIN = 1;
    short POLLOUT = 4;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int bind(int fd, byte[] address, int length) throws LastErrorException;

    int listen(int fd, int backlog) throws LastErrorException;

    int accept4(int fd, Pointer address, Pointer length, int flags) throws LastErrorException;

    int connect(int fd, byte[] address, int length) throws LastErrorException;

    long recvmsg(int fd, Pointer message, int flags) throws LastErrorException;

    long sendmsg(int fd, Pointer message, int flags) throws LastErrorException;

    int shutdown(int fd, int how) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int fchmod(int fd, int mode) throws LastErrorException;

    int setgroups(long size, int[] list) throws LastErrorException;

    int setresgid(int real, int effective, int saved) throws LastErrorException;

    int setresuid(int real, int effective, int saved) throws LastErrorException;

    int pipe2(int[] fds, int flags) throws LastErrorException;

    long read(int fd, byte[] buffer, long count) throws LastErrorException;

    long write(int fd, byte[] buffer, long count) throws LastErrorException;

    /** {@code fds} is an array of struct pollfd (int fd, short events, short revents). */
    int poll(byte[] fds, long count, int timeoutMillis) throws LastErrorException;

    int fcntl(int fd, int command, int argument) throws LastErrorException;

    int getuid();

    int geteuid();

    String strerror(int errno);
}
