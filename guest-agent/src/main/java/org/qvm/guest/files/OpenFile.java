package org.qvm.guest.files;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import org.qvm.guest.transport.LibC;

/**
 * An open regular file: read, written, and given its mode and times through its descriptor, so
 * whatever happens to its name meanwhile cannot redirect any of it. A file made by
 * {@link Directory#createFile} gets its name only when {@link #linkAs} says so.
 */
public final class OpenFile implements AutoCloseable {
    private final int fd;
    private final String description;
    /** For an unnamed (O_TMPFILE) file: the directory it will be linked into; else null. */
    private final Directory unnamedIn;
    private boolean closed;

    OpenFile(int fd, String description) {
        this(fd, description, null);
    }

    OpenFile(int fd, String description, Directory unnamedIn) {
        this.fd = fd;
        this.description = description;
        this.unnamedIn = unnamedIn;
    }

    public FileStatus status() throws FileSystemError {
        byte[] buffer = new byte[FileStatus.SIZE];
        Directory.call(() -> LibC.INSTANCE.statx(fd, new byte[] {0}, LibC.AT_EMPTY_PATH, FileStatus.BASIC_STATS, buffer),
                description);
        return FileStatus.decode(buffer);
    }

    /** Reads into a direct buffer; -1 at the end of the file. */
    public int read(ByteBuffer buffer) throws FileSystemError {
        int n = transfer(buffer, true);
        return n == 0 && buffer.hasRemaining() ? -1 : n;
    }

    /** Writes all of a direct buffer. */
    public void writeFully(ByteBuffer buffer) throws FileSystemError {
        while (buffer.hasRemaining()) {
            transfer(buffer, false);
        }
    }

    private int transfer(ByteBuffer buffer, boolean reading) throws FileSystemError {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("a direct buffer is needed");
        }
        Pointer memory = Native.getDirectBufferPointer(buffer).share(buffer.position());
        int length = buffer.remaining();
        while (true) {
            try {
                int n = reading ? LibC.INSTANCE.read(fd, memory, length) : LibC.INSTANCE.write(fd, memory, length);
                buffer.position(buffer.position() + n);
                return n;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != LibC.EINTR) {
                    throw FileSystemError.of(e.getErrorCode(), (reading ? "reading " : "writing ") + description);
                }
            }
        }
    }

    /** Sets the file's mode (masked to 07777) and its access and modification times. */
    public void setModeAndTimes(int mode, long atimeSeconds, int atimeNanos, long mtimeSeconds, int mtimeNanos)
            throws FileSystemError {
        Directory.call(() -> LibC.INSTANCE.fchmod(fd, mode & 07777), description);
        long[] times = {atimeSeconds, atimeNanos, mtimeSeconds, mtimeNanos};
        Directory.call(() -> LibC.INSTANCE.futimens(fd, times), description);
    }

    /**
     * Gives an unnamed file its name in its directory (EEXIST if the name is taken: nothing is
     * ever replaced). A file that was created under its name already keeps it.
     */
    public void linkAs(byte[] name) throws FileSystemError {
        if (unnamedIn != null) {
            unnamedIn.link(fd, name);
        }
    }

    /** Whether the file has no name until {@link #linkAs}: closing it unlinked throws it away. */
    public boolean isUnnamed() {
        return unnamedIn != null;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                LibC.INSTANCE.close(fd);
            } catch (LastErrorException e) {
                // Only a descriptor we own: nothing to lose.
            }
        }
    }
}
