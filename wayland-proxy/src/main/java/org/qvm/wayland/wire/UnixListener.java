package org.qvm.wayland.wire;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.qvm.plan.SocketFiles;

/** A listening UNIX socket at a path, mode 0600, whose connections carry file descriptors. */
public final class UnixListener implements AutoCloseable {
    private final int fd;
    private final Path path;
    private volatile boolean closed;

    private UnixListener(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    /** Listens at {@code path}; a socket left there by a proxy that died is replaced, anything else is an error. */
    public static UnixListener listen(Path path) throws IOException {
        return listen(path, at -> {
        });
    }

    /**
     * As {@link #listen(Path)}, with {@code prepare} finishing the socket's file (its owner, say)
     * before it is at {@code path}: whoever sees the file there can connect as it is meant to.
     */
    public static UnixListener listen(Path path, SocketFiles.Preparer prepare) throws IOException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)
                && !Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
            throw new IOException(path + " exists and is not a socket");
        }
        int fd = UnixSocket.open();
        try {
            SocketFiles.bindInPlace(path, at -> {
                try {
                    LibC.INSTANCE.bind(fd, UnixSocket.address(at), UnixSocket.ADDRESS_LENGTH);
                    LibC.INSTANCE.listen(fd, 64);
                } catch (LastErrorException e) {
                    throw UnixSocket.failure("cannot listen on " + path, e);
                }
            }, prepare);
        } catch (IOException | RuntimeException e) {
            UnixSocket.closeQuietly(fd);
            throw e;
        }
        return new UnixListener(fd, path);
    }

    public Path path() {
        return path;
    }

    /** The next connection; an IOException once closed. */
    public UnixSocket accept() throws IOException {
        while (true) {
            try {
                return new UnixSocket(LibC.INSTANCE.accept4(fd, Pointer.NULL, Pointer.NULL, LibC.SOCK_CLOEXEC));
            } catch (LastErrorException e) {
                if (closed) {
                    throw new IOException("closed");
                }
                if (e.getErrorCode() != LibC.EINTR) {
                    throw UnixSocket.failure("cannot accept", e);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            LibC.INSTANCE.shutdown(fd, LibC.SHUT_RDWR);
        } catch (LastErrorException e) {
            // A listening socket may not take a shutdown; closing it is enough.
        }
        UnixSocket.closeQuietly(fd);
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // The directory is not ours to change any more (privileges dropped): qvm removes it.
        }
    }
}
