package org.qvm.guest.filecopy;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;
import java.util.zip.CRC32;
import org.qvm.guest.files.Errno;
import org.qvm.guest.files.FileSystemError;
import org.qvm.guest.files.OpenFile;

/**
 * The receiving end of a Qubes file copy: reads the stream (qubes-tools.md §5), checks every
 * header and name as Qubes' own receiver does, and creates what it describes in an
 * {@link IncomingTree}. It stops at the first problem and answers with Qubes' errno for it and
 * the name it was at: EILSEQ for a name that is not allowed, ENOLINK for a link that would leave
 * the tree, ENAMETOOLONG, EDQUOT for a size that cannot be, EINVAL for a type that cannot be
 * copied, EREMOTEIO when the stream breaks off, or the file system's own errno. Nothing is ever
 * written outside the tree.
 */
public final class FileCopyUnpacker {
    /** Link targets are paths; longer ones are refused. */
    static final int MAX_LINK_TARGET = 4096;
    private static final int BUFFER = 256 * 1024;

    private final IncomingTree tree;
    private final CRC32 crc = new CRC32();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
    private String lastName = "";

    public FileCopyUnpacker(IncomingTree tree) {
        this.tree = tree;
    }

    /** Reads the whole stream and returns the answer to send back. */
    public CopyResult receive(ReadableByteChannel in) {
        try {
            while (true) {
                FileHeader header = FileHeader.decode(read(in, FileHeader.SIZE));
                if (header.isEnd()) {
                    return answer(0);
                }
                receiveOne(in, header);
            }
        } catch (Refusal refusal) {
            return answer(refusal.errno);
        } catch (FileSystemError e) {
            return answer(e.errno() == 0 ? Errno.EIO : e.errno());
        } catch (EOFException e) {
            return answer(Errno.EREMOTEIO);
        } catch (IOException e) {
            return answer(Errno.EIO);
        }
    }

    private CopyResult answer(int errno) {
        return new CopyResult(errno, crc.getValue(), lastName);
    }

    /** A header or name that breaks the rules. */
    private static final class Refusal extends IOException {
        private static final long serialVersionUID = 1L;
        final int errno;

        Refusal(int errno, String message) {
            super(message);
            this.errno = errno;
        }
    }

    private byte[] read(ReadableByteChannel in, int length) throws IOException {
        byte[] bytes = new byte[length];
        ByteChannels.readFully(in, ByteBuffer.wrap(bytes));
        crc.update(bytes);
        return bytes;
    }

    private void receiveOne(ReadableByteChannel in, FileHeader header) throws IOException {
        if (Integer.toUnsignedLong(header.nameLength()) > NameRules.MAX_NAME_LENGTH) {
            throw new Refusal(Errno.ENAMETOOLONG, "name too long");
        }
        byte[] raw = read(in, header.nameLength());
        if (raw[raw.length - 1] != 0) {
            throw new Refusal(Errno.EILSEQ, "name without its NUL");
        }
        Optional<String> decoded = NameRules.decode(java.util.Arrays.copyOf(raw, raw.length - 1));
        if (decoded.isEmpty() || decoded.get().indexOf('\0') >= 0) {
            throw new Refusal(Errno.EILSEQ, "name is not UTF-8");
        }
        String name = decoded.get();
        lastName = name;
        Optional<NameRules.Problem> problem = NameRules.problem(name);
        if (problem.isPresent()) {
            throw new Refusal(problem.get().errno(), problem.get().reason());
        }
        if (Integer.toUnsignedLong(header.atimeNsec()) > 999_999_999L || Integer.toUnsignedLong(header.mtimeNsec()) > 999_999_999L) {
            throw new Refusal(Errno.EINVAL, "nanoseconds out of range");
        }
        switch (header.type()) {
            case org.qvm.guest.files.FileStatus.S_IFREG -> regularFile(in, header, name);
            case org.qvm.guest.files.FileStatus.S_IFDIR -> {
                if (header.fileLength() != 0) {
                    throw new Refusal(Errno.EINVAL, "a directory with a length");
                }
                tree.directory(name, header);
            }
            case org.qvm.guest.files.FileStatus.S_IFLNK -> symlink(in, header, name);
            default -> throw new Refusal(Errno.EINVAL, "not a file, directory or link");
        }
    }

    private void regularFile(ReadableByteChannel in, FileHeader header, String name) throws IOException {
        if (header.fileLength() < 0) {
            throw new Refusal(Errno.EDQUOT, "a length over 2^63");
        }
        tree.file(name, header, file -> copyContents(in, header.fileLength(), file, name));
    }

    private void copyContents(ReadableByteChannel in, long length, OpenFile file, String name) throws IOException {
        long remaining = length;
        while (remaining > 0) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), remaining));
            if (in.read(buffer) < 0) {
                throw new EOFException("stream ended inside " + name);
            }
            buffer.flip();
            int n = buffer.remaining();
            crc.update(buffer);
            buffer.flip();
            file.writeFully(buffer);
            remaining -= n;
        }
    }

    private void symlink(ReadableByteChannel in, FileHeader header, String name) throws IOException {
        if (header.fileLength() <= 0 || header.fileLength() > MAX_LINK_TARGET) {
            throw new Refusal(Errno.ENAMETOOLONG, "link target length");
        }
        Optional<String> target = NameRules.decode(read(in, (int) header.fileLength()));
        if (target.isEmpty() || target.get().indexOf('\0') >= 0) {
            throw new Refusal(Errno.EILSEQ, "link target is not UTF-8");
        }
        Optional<NameRules.Problem> problem = NameRules.linkProblem(name, target.get());
        if (problem.isPresent()) {
            throw new Refusal(problem.get().errno(), problem.get().reason());
        }
        tree.symlink(name, target.get(), header);
    }
}
