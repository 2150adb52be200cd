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
import java.nio.channels.WritableByteChannel;
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
     * Sends the stream and reads the answer. File contents move through one direct buffer, from
     * the file to the connection, with the CRC taken on the way.
     *
     * @param sent called with the number of content bytes sent so far, for a progress bar
     * @return the receiver's answer, and whether its CRC matched ours
     */
    public static Outcome send(Manifest manifest, WritableByteChannel out, InputStream in, LongConsumer sent)
            throws IOException {
        CRC32 crc = new CRC32();
        long total = 0;
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
        try {
            for (Entry entry : manifest.entries()) {
                byte[] name = (entry.name() + "\0").getBytes(StandardCharsets.UTF_8);
                if (name.length > NameRules.MAX_NAME_LENGTH) {
                    throw new IOException("cannot copy " + entry.path() + ": its name is too long");
                }
                byte[] target = entry.linkTarget() == null ? new byte[0] : entry.linkTarget().getBytes(StandardCharsets.UTF_8);
                ByteBuffer head = ByteBuffer.allocate(FileHeader.SIZE + name.length + target.length)
                        .put(header(entry, name.length).encode()).put(name).put(target).flip();
                write(out, crc, head);
                if (entry.isFile()) {
                    total = sendContent(entry, out, crc, buffer, total, sent);
                }
            }
            write(out, crc, ByteBuffer.wrap(FileHeader.END.encode()));
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

    /** For streams (tests, and anything that is not a channel). */
    public static Outcome send(Manifest manifest, OutputStream out, InputStream in, LongConsumer sent) throws IOException {
        Outcome outcome = send(manifest, java.nio.channels.Channels.newChannel(out), in, sent);
        out.flush();
        return outcome;
    }

    private static long sendContent(Entry entry, WritableByteChannel out, CRC32 crc, ByteBuffer buffer, long total,
                                    LongConsumer sent) throws IOException {
        long remaining = entry.length();
        try (FileChannel file = FileChannel.open(entry.path(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (remaining > 0) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), remaining));
                if (file.read(buffer) < 0) {
                    throw new IOException(entry.path() + " became shorter while it was being copied");
                }
                buffer.flip();
                int n = buffer.remaining();
                write(out, crc, buffer);
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

    /** Takes the CRC of the buffer's bytes, then writes them all. */
    private static void write(WritableByteChannel out, CRC32 crc, ByteBuffer bytes) throws IOException {
        int start = bytes.position();
        crc.update(bytes);
        bytes.position(start);
        ByteChannels.writeFully(out, bytes);
    }

    /** The receiver's answer and the CRC we computed over what we sent. */
    public record Outcome(CopyResult result, long sentCrc) {
        /** Success: no error, and the receiver got exactly what we sent. */
        public boolean verified() {
            return result.succeeded() && result.crc32() == sentCrc;
        }
    }
}
