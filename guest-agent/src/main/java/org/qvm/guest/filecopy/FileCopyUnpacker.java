package org.qvm.guest.filecopy;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The receiving end of a Qubes file copy: reads the stream (qubes-tools.md §5), checks every
 * header and name, and creates what it describes under one directory through a {@link SafeTree}.
 * It stops at the first problem and answers with its errno and the name it was at; a truncated
 * or damaged stream, or a wrong CRC, is an error too. Nothing is ever written outside the tree.
 */
public final class FileCopyUnpacker {
    /** Link targets are paths; longer ones are refused. */
    static final int MAX_LINK_TARGET = 4096;
    private static final int BUFFER = 256 * 1024;

    private final SafeTree tree;
    private final CRC32 crc = new CRC32();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
    private String lastName = "";

    public FileCopyUnpacker(SafeTree tree) {
        this.tree = tree;
    }

    /** Reads the whole stream and returns the answer to send back. */
    public CopyResult receive(InputStream stream) {
        return receive(java.nio.channels.Channels.newChannel(stream));
    }

    /** Reads the whole stream from a channel (contents move through one direct buffer) and returns the answer. */
    public CopyResult receive(ReadableByteChannel in) {
        try {
            while (true) {
                FileHeader header = FileHeader.decode(read(in, FileHeader.SIZE));
                if (header.isEnd()) {
                    return new CopyResult(0, crc.getValue(), lastName);
                }
                receiveOne(in, header);
            }
        } catch (Refusal refusal) {
            return new CopyResult(refusal.errno, crc.getValue(), lastName);
        } catch (SafeTree.TreeException e) {
            return new CopyResult(e.errno(), crc.getValue(), lastName);
        } catch (EOFException e) {
            return new CopyResult(Errno.EIO, crc.getValue(), lastName);
        } catch (IOException e) {
            return new CopyResult(e.getMessage() != null && e.getMessage().contains("No space") ? Errno.ENOSPC : Errno.EIO,
                    crc.getValue(), lastName);
        }
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
            throw new Refusal(Errno.EINVAL, "name without its NUL");
        }
        Optional<String> decoded = NameRules.decode(java.util.Arrays.copyOf(raw, raw.length - 1));
        if (decoded.isEmpty() || decoded.get().indexOf('\0') >= 0) {
            throw new Refusal(Errno.EINVAL, "name is not UTF-8");
        }
        String name = decoded.get();
        lastName = name;
        if (NameRules.problem(name).isPresent()) {
            throw new Refusal(Errno.EINVAL, NameRules.problem(name).get());
        }
        if (Integer.toUnsignedLong(header.atimeNsec()) > 999_999_999L || Integer.toUnsignedLong(header.mtimeNsec()) > 999_999_999L) {
            throw new Refusal(Errno.EINVAL, "nanoseconds out of range");
        }
        switch (header.type()) {
            case FileHeader.S_IFREG -> regularFile(in, header, name);
            case FileHeader.S_IFDIR -> {
                if (header.fileLength() != 0) {
                    throw new Refusal(Errno.EINVAL, "a directory with a length");
                }
                tree.directory(name);
                tree.finish(name, header.mode(), false, header.atime(), header.atimeNsec(), header.mtime(), header.mtimeNsec());
            }
            case FileHeader.S_IFLNK -> symlink(in, header, name);
            default -> throw new Refusal(Errno.EINVAL, "not a file, directory or link");
        }
    }

    private void regularFile(ReadableByteChannel in, FileHeader header, String name) throws IOException {
        long remaining = header.fileLength();
        if (remaining < 0) {
            throw new Refusal(Errno.EINVAL, "negative length");
        }
        FileChannel created = tree.createFile(name);
        boolean complete = false;
        // From here on the file is ours: if it cannot be finished, it goes (only then).
        try (FileChannel file = created) {
            while (remaining > 0) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), remaining));
                if (in.read(buffer) < 0) {
                    throw new EOFException("stream ended inside " + name);
                }
                buffer.flip();
                int n = buffer.remaining();
                crc.update(buffer);
                buffer.flip();
                while (buffer.hasRemaining()) {
                    file.write(buffer);
                }
                remaining -= n;
            }
            complete = true;
        } finally {
            if (!complete) {
                tree.removeFile(name);
            }
        }
        tree.finish(name, header.mode(), false, header.atime(), header.atimeNsec(), header.mtime(), header.mtimeNsec());
    }

    private void symlink(ReadableByteChannel in, FileHeader header, String name) throws IOException {
        if (header.fileLength() <= 0 || header.fileLength() > MAX_LINK_TARGET) {
            throw new Refusal(Errno.ENAMETOOLONG, "link target length");
        }
        Optional<String> target = NameRules.decode(read(in, (int) header.fileLength()));
        if (target.isEmpty() || target.get().indexOf('\0') >= 0 || NameRules.linkProblem(name, target.get()).isPresent()) {
            throw new Refusal(Errno.EINVAL, "link target");
        }
        tree.symlink(name, target.get());
        tree.finish(name, header.mode(), true, header.atime(), header.atimeNsec(), header.mtime(), header.mtimeNsec());
    }
}
