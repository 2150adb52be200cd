package org.qvm.lifecycle;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Path;
import org.qvm.guest.transport.LibC;
import org.qvm.plan.Command;
import org.qvm.plan.LocalAction;
import org.qvm.plan.MakeDirectory;

/**
 * {@code mkfifo -m MODE PATH}, in this process: a named pipe made in its directory (opened without
 * following a link) with exactly {@code mode}, whatever the umask; anything already at the path is
 * an error, as for mkfifo. It saves a process on every VM's start (the console's pipe).
 */
record MakeFifo(Path fifo, String mode) implements LocalAction {
    MakeFifo {
        if (!fifo.isAbsolute() || fifo.getParent() == null || fifo.getFileName() == null) {
            throw new IllegalArgumentException("not an absolute path of a file: " + fifo);
        }
        MakeDirectory.permissions(mode);
    }

    @Override
    public Command equivalent() {
        return Command.of("mkfifo", "-m", mode, fifo.toString());
    }

    /** Where JNA or the C library cannot be loaded, mkfifo runs. */
    @Override
    public boolean availableHere() {
        try {
            return LibC.INSTANCE != null;
        } catch (LinkageError e) {
            return false;
        }
    }

    @Override
    public void perform() throws IOException {
        LibC c = LibC.INSTANCE;
        int dir;
        try {
            dir = c.openat(LibC.AT_FDCWD, LibC.path(fifo.getParent().toString()),
                    LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + fifo.getParent() + ": " + c.strerror(e.getErrorCode()));
        }
        try {
            byte[] name = LibC.path(fifo.getFileName().toString());
            int bits = Integer.parseInt(mode, 8);
            c.mkfifoat(dir, name, bits);
            // The mode after the pipe is made, as mkfifo -m does: the umask has no say.
            int pipe = c.openat(dir, name, LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
            try {
                c.fchmod(pipe, bits);
            } finally {
                c.close(pipe);
            }
        } catch (LastErrorException e) {
            throw new IOException("cannot make the pipe " + fifo + ": " + c.strerror(e.getErrorCode()));
        } finally {
            c.close(dir);
        }
    }
}
