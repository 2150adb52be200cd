package org.qvm.guest.filecopy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.zip.CRC32;

/**
 * The sending end of a Qubes file copy: turns files and directory trees into the stream of
 * qubes-tools.md §5, byte for byte, and checks the receiver's answer, CRC included.
 */
public final class FileCopyPacker {
    private static final int BUFFER = 256 * 1024;

    /** One thing to send: a file, a directory (twice: before and after its contents) or a link. */
    public record Entry(Path path, String name, int mode, long length, FileTime atime, FileTime mtime, String linkTarget,
                        boolean closesDirectory) {
        public boolean isFile() {
            return (mode & FileHeader.S_IFMT) == FileHeader.S_IFREG;
        }
    }

    /** What will be sent, in order, and how many content bytes that is. */
    public record Manifest(List<Entry> entries, long bytes, List<Path> sources) {
    }

    private FileCopyPacker() {
    }

    /**
     * Lists what the sources make up, in sending order. Special files (devices, FIFOs, sockets)
     * are refused before anything is sent; links are sent as links, or left out with
     * {@code ignoreSymlinks}.
     */
    public static Manifest scan(List<Path> sources, boolean ignoreSymlinks) throws IOException {
        List<Entry> entries = new ArrayList<>();
        long[] bytes = {0};
        for (Path source : sources) {
            Path normalized = source.toAbsolutePath().normalize();
            if (normalized.getFileName() == null) {
                throw new IOException("cannot copy " + source + ": give a file or directory, not /");
            }
            if (!Files.exists(normalized, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("cannot copy " + source + ": no such file or directory");
            }
            add(entries, bytes, normalized, normalized.getFileName().toString(), ignoreSymlinks);
        }
        return new Manifest(entries, bytes[0], List.copyOf(sources));
    }

    private static void add(List<Entry> entries, long[] bytes, Path path, String name, boolean ignoreSymlinks)
            throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        FileTime atime = (FileTime) Files.getAttribute(path, "lastAccessTime", LinkOption.NOFOLLOW_LINKS);
        FileTime mtime = Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS);
        switch (mode & FileHeader.S_IFMT) {
            case FileHeader.S_IFREG -> {
                long size = Files.size(path);
                entries.add(new Entry(path, name, mode, size, atime, mtime, null, false));
                bytes[0] += size;
            }
            case FileHeader.S_IFLNK -> {
                if (!ignoreSymlinks) {
                    String target = Files.readSymbolicLink(path).toString();
                    entries.add(new Entry(path, name, mode, target.getBytes(StandardCharsets.UTF_8).length, atime, mtime,
                            target, false));
                }
            }
            case FileHeader.S_IFDIR -> {
                entries.add(new Entry(path, name, mode, 0, atime, mtime, null, false));
                List<Path> children = new ArrayList<>();
                try (DirectoryStream<Path> dir = Files.newDirectoryStream(path)) {
                    dir.forEach(children::add);
                }
                children.sort(null);
                for (Path child : children) {
                    add(entries, bytes, child, name + "/" + child.getFileName(), ignoreSymlinks);
                }
                entries.add(new Entry(path, name, mode, 0, atime, mtime, null, true));
            }
            default -> throw new IOException("cannot copy " + path + ": only files, directories and symbolic links can be copied");
        }
    }

    /**
     * Sends the stream and reads the answer.
     *
     * @param sent called with the number of content bytes sent so far, for a progress bar
     * @return the receiver's answer, and whether its CRC matched ours
     */
    public static Outcome send(Manifest manifest, OutputStream out, InputStream in, LongConsumer sent) throws IOException {
        CRC32 crc = new CRC32();
        long total = 0;
        byte[] buffer = new byte[BUFFER];
        try {
            for (Entry entry : manifest.entries()) {
                byte[] name = (entry.name() + "\0").getBytes(StandardCharsets.UTF_8);
                if (name.length > NameRules.MAX_NAME_LENGTH) {
                    throw new IOException("cannot copy " + entry.path() + ": its name is too long");
                }
                write(out, crc, header(entry, name.length).encode());
                write(out, crc, name);
                if (entry.linkTarget() != null) {
                    write(out, crc, entry.linkTarget().getBytes(StandardCharsets.UTF_8));
                } else if (entry.isFile()) {
                    total = sendContent(entry, out, crc, buffer, total, sent);
                }
            }
            write(out, crc, FileHeader.END.encode());
            out.flush();
        } catch (IOException e) {
            // The receiver may have stopped reading because it refused something: its answer says what.
            try {
                return new Outcome(CopyResult.read(in), crc.getValue());
            } catch (IOException noAnswer) {
                throw e;
            }
        }
        return new Outcome(CopyResult.read(in), crc.getValue());
    }

    private static long sendContent(Entry entry, OutputStream out, CRC32 crc, byte[] buffer, long total, LongConsumer sent)
            throws IOException {
        long remaining = entry.length();
        try (FileChannel file = FileChannel.open(entry.path(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer wrapper = ByteBuffer.wrap(buffer);
            while (remaining > 0) {
                wrapper.clear().limit((int) Math.min(buffer.length, remaining));
                int n = file.read(wrapper);
                if (n < 0) {
                    throw new IOException(entry.path() + " became shorter while it was being copied");
                }
                write(out, crc, buffer, n);
                remaining -= n;
                total += n;
                sent.accept(total);
            }
        }
        return total;
    }

    private static FileHeader header(Entry entry, int nameLength) {
        long atimeNanos = entry.atime().to(TimeUnit.NANOSECONDS);
        long mtimeNanos = entry.mtime().to(TimeUnit.NANOSECONDS);
        return new FileHeader(nameLength, entry.mode(), entry.length(), atimeNanos / 1_000_000_000L,
                (int) (atimeNanos % 1_000_000_000L), mtimeNanos / 1_000_000_000L, (int) (mtimeNanos % 1_000_000_000L));
    }

    private static void write(OutputStream out, CRC32 crc, byte[] bytes) throws IOException {
        write(out, crc, bytes, bytes.length);
    }

    private static void write(OutputStream out, CRC32 crc, byte[] bytes, int length) throws IOException {
        crc.update(bytes, 0, length);
        out.write(bytes, 0, length);
    }

    /** The receiver's answer and the CRC we computed over what we sent. */
    public record Outcome(CopyResult result, long sentCrc) {
        /** Success: no error, and the receiver got exactly what we sent. */
        public boolean verified() {
            return result.succeeded() && result.crc32() == sentCrc;
        }
    }
}
