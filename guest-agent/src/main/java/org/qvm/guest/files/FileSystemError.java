package org.qvm.guest.files;

import java.io.IOException;
import org.qvm.guest.transport.LibC;

/** A file system call failed: the message names the file and the reason, {@link #errno()} is the kernel's. */
public final class FileSystemError extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public FileSystemError(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    static FileSystemError of(int errno, String what) {
        return new FileSystemError(errno, what + ": " + LibC.INSTANCE.strerror(errno));
    }

    public int errno() {
        return errno;
    }
}
