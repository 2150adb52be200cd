package org.qvm.guest.filecopy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.zip.CRC32;
import org.qvm.guest.files.Directory;
import org.qvm.guest.files.FileStatus;
import org.qvm.guest.files.FileSystemError;
import org.qvm.guest.files.OpenFile;

/**
 * The sending end of a Qubes file copy: turns files and directory trees into the stream of
 * qubes-tools.md §5, byte for byte, and checks the receiver's answer, CRC included.
 *
 * <p>The tree may be one a VM can change while it is read (a virtio-fs share). So it is walked and
 * read only through directory descriptors, one component at a time, never following a symbolic
 * link; each directory and file is checked, when it is opened to be sent, to be the very one the
 * scan found (same device and inode). A directory swapped for a link, a file swapped for another
 * or for a FIFO, or a file that shrinks ends the copy at once with a {@link SourceException}.
 * Names are handled as their bytes, whatever the locale, and must be valid UTF-8.
 */
public final class FileCopyPacker {
    private static final int BUFFER = 256 * 1024;
    /** The CRC of a copy that broke off: no answer can match it. */
    public static final long NO_CRC = -1;

    /** What an entry of the stream is. */
    public enum Kind { FILE, DIRECTORY, CLOSE_DIRECTORY, LINK }

    /**
     * One thing to send, in stream order.
     *
     * @param source    which source (index into {@link Manifest#parents()}) it belongs to
     * @param name      its name in the stream: the components from the source's name on, joined by '/'
     * @param component its own name in its directory
     * @param status    what the scan found (type, mode, size, times, identity)
     * @param target    a link's target; empty otherwise
     */
    public record Entry(int source, byte[] name, byte[] component, Kind kind, FileStatus status, byte[] target) {
        /** The name for messages. */
        public String displayName() {
            return Directory.display(name);
        }

        public boolean isFile() {
            return kind == Kind.FILE;
        }
    }

    /**
     * What will be sent, in order, and how many content bytes that is.
     *
     * @param parents the directory each source is in, as given (links in it followed), and what it was when scanned
     */
    public record Manifest(List<Entry> entries, long bytes, List<Path> parents, List<FileStatus.Identity> parentIdentities) {
    }

    /** A source could not be read, or changed while it was being copied: the copy stops at once. */
    public static final class SourceException extends IOException {
        private static final long serialVersionUID = 1L;

        public SourceException(String message) {
            super(message);
        }
    }

    private FileCopyPacker() {
    }

    /**
     * Lists what the sources make up, in sending order, and checks every name and link as the
     * receiver will, so that a copy the receiver would refuse is refused here, before anything is
     * sent. Special files (devices, FIFOs, sockets) are refused; links are sent as links, or left
     * out with {@code ignoreSymlinks}.
     */
    public static Manifest scan(List<Path> sources, boolean ignoreSymlinks) throws IOException {
        List<Entry> entries = new ArrayList<>();
        List<Path> parents = new ArrayList<>();
        List<FileStatus.Identity> parentIdentities = new ArrayList<>();
        long[] bytes = {0};
        for (Path source : sources) {
            Path normalized = source.toAbsolutePath().normalize();
            if (normalized.getFileName() == null) {
                throw new SourceException("cannot copy " + source + ": give a file or directory, not /");
            }
            Path parent = normalized.getParent();
            byte[] name = normalized.getFileName().toString().getBytes(StandardCharsets.UTF_8);
            try (Directory directory = Directory.open(parent)) {
                FileStatus status;
                try {
                    status = directory.status(name);
                } catch (FileSystemError e) {
                    throw new SourceException("cannot copy " + source + ": " + reason(e));
                }
                parents.add(parent);
                parentIdentities.add(directory.status().identity());
                add(entries, bytes, parents.size() - 1, directory, name, name, status, ignoreSymlinks);
            } catch (FileSystemError e) {
                throw new SourceException("cannot copy " + source + ": " + e.getMessage());
            }
        }
        return new Manifest(List.copyOf(entries), bytes[0], List.copyOf(parents), List.copyOf(parentIdentities));
    }

    private static String reason(FileSystemError e) {
        String message = e.getMessage();
        return message.substring(message.lastIndexOf(": ") + 2).toLowerCase(java.util.Locale.ROOT);
    }

    private static void add(List<Entry> entries, long[] bytes, int source, Directory directory, byte[] name,
                            byte[] component, FileStatus status, boolean ignoreSymlinks) throws IOException {
        String text = checkedName(name);
        switch (status.type()) {
            case FileStatus.S_IFREG -> {
                entries.add(new Entry(source, name, component, Kind.FILE, status, new byte[0]));
                bytes[0] += status.size();
            }
            case FileStatus.S_IFLNK -> {
                if (!ignoreSymlinks) {
                    byte[] target = directory.readLink(component);
                    Optional<String> decoded = NameRules.decode(target);
                    Optional<NameRules.Problem> problem = decoded.isEmpty()
                            ? Optional.of(new NameRules.Problem(0, "its target is not valid UTF-8"))
                            : NameRules.linkProblem(text, decoded.get());
                    if (problem.isPresent()) {
                        throw new SourceException("cannot copy the symbolic link " + Directory.display(name) + ": "
                                + problem.get().reason() + " (leave links out with --ignore-symlinks)");
                    }
                    entries.add(new Entry(source, name, component, Kind.LINK, status, target));
                }
            }
            case FileStatus.S_IFDIR -> {
                entries.add(new Entry(source, name, component, Kind.DIRECTORY, status, new byte[0]));
                try (Directory inside = directory.directory(component)) {
                    for (byte[] child : inside.names()) {
                        byte[] childName = join(name, child);
                        add(entries, bytes, source, inside, childName, child, inside.status(child), ignoreSymlinks);
                    }
                }
                entries.add(new Entry(source, name, component, Kind.CLOSE_DIRECTORY, status, new byte[0]));
            }
            default -> throw new SourceException("cannot copy " + Directory.display(name)
                    + ": only files, directories and symbolic links can be copied");
        }
    }

    /** The name as text, if the receiver will take it; else why not, as a {@link SourceException}. */
    private static String checkedName(byte[] name) throws SourceException {
        Optional<String> text = NameRules.decode(name);
        if (text.isEmpty()) {
            throw new SourceException("cannot copy " + Directory.display(name) + ": its name is not valid UTF-8");
        }
        if (name.length + 1 > NameRules.MAX_NAME_LENGTH) {
            throw new SourceException("cannot copy " + Directory.display(name) + ": its name is too long");
        }
        Optional<NameRules.Problem> problem = NameRules.problem(text.get());
        if (problem.isPresent()) {
            throw new SourceException("cannot copy " + Directory.display(name) + ": " + problem.get().reason()
                    + " in a name a VM receives");
        }
        return text.get();
    }

    private static byte[] join(byte[] directory, byte[] child) {
        byte[] joined = Arrays.copyOf(directory, directory.length + 1 + child.length);
        joined[directory.length] = '/';
        System.arraycopy(child, 0, joined, directory.length + 1, child.length);
        return joined;
    }

    /**
     * Sends the stream (not the answer: the caller reads it). File contents move through one direct
     * buffer, from the file to the connection, with the CRC taken on the way.
     *
     * @param sent called with the number of content bytes sent so far, for a progress bar
     * @return the CRC of everything sent, to compare with the receiver's
     * @throws SourceException when a source is not what was scanned any more, or cannot be read
     */
    public static long send(Manifest manifest, WritableByteChannel out, LongConsumer sent) throws IOException {
        CRC32 crc = new CRC32();
        long[] total = {0};
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
        new TreeWalk(manifest) {
            @Override
            void visit(Entry entry, Directory directory) throws IOException {
                byte[] head = FileHeader.of(entry.name().length + 1, entry.status(),
                        entry.kind() == Kind.LINK ? entry.target().length : entry.isFile() ? entry.status().size() : 0)
                        .encode();
                ByteBuffer bytes = ByteBuffer.allocate(head.length + entry.name().length + 1 + entry.target().length)
                        .put(head).put(entry.name()).put((byte) 0).put(entry.target()).flip();
                if (!entry.isFile()) {
                    write(out, crc, bytes);
                    return;
                }
                // Opened before its header goes out: a file that cannot be read stops the copy at a clean point.
                try (OpenFile file = directory.openForReading(entry.component())) {
                    sameFile(entry, file.status().identity());
                    write(out, crc, bytes);
                    total[0] = sendContent(entry, file, out, crc, buffer, total[0], sent);
                } catch (FileSystemError e) {
                    throw new SourceException("cannot copy " + entry.displayName() + ": " + e.getMessage());
                }
            }
        }.walk();
        write(out, crc, ByteBuffer.wrap(FileHeader.END.encode()));
        return crc.getValue();
    }

    private static long sendContent(Entry entry, OpenFile file, WritableByteChannel out, CRC32 crc, ByteBuffer buffer,
                                    long total, LongConsumer sent) throws IOException {
        long remaining = entry.status().size();
        while (remaining > 0) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), remaining));
            if (file.read(buffer) < 0) {
                throw new SourceException(entry.displayName() + " became shorter while it was being copied");
            }
            buffer.flip();
            int n = buffer.remaining();
            write(out, crc, buffer);
            remaining -= n;
            total += n;
            sent.accept(total);
        }
        return total;
    }

    private static void sameFile(Entry entry, FileStatus.Identity identity) throws SourceException {
        if (!identity.equals(entry.status().identity())) {
            throw new SourceException(entry.displayName() + " was replaced while it was being copied");
        }
    }

    /** Takes the CRC of the buffer's bytes, then writes them all. */
    private static void write(WritableByteChannel out, CRC32 crc, ByteBuffer bytes) throws IOException {
        int start = bytes.position();
        crc.update(bytes);
        bytes.position(start);
        ByteChannels.writeFully(out, bytes);
    }

    /**
     * Removes exactly what a verified copy sent (qvm-move-to-vm): its files and links, then its
     * directories once they are empty, each only if it is still the file that was sent (same
     * device and inode) and always through the directory it was found in. Something that appeared
     * meanwhile (or a link left out with --ignore-symlinks) keeps its directory.
     *
     * @return what was kept, and why, for warnings
     */
    public static List<String> removeSent(Manifest manifest) throws IOException {
        List<String> kept = new ArrayList<>();
        new TreeWalk(manifest) {
            @Override
            void visit(Entry entry, Directory directory) {
                if (entry.kind() == Kind.DIRECTORY) {
                    return;
                }
                boolean isDirectory = entry.kind() == Kind.CLOSE_DIRECTORY;
                try {
                    if (!directory.status(entry.component()).identity().equals(entry.status().identity())) {
                        kept.add(entry.displayName() + " (it was replaced after it was sent)");
                        return;
                    }
                    directory.remove(entry.component(), isDirectory);
                } catch (FileSystemError e) {
                    if (isDirectory && e.errno() == org.qvm.guest.files.Errno.ENOTEMPTY) {
                        kept.add(entry.displayName() + " (it holds something that was not sent)");
                    } else if (e.errno() != org.qvm.guest.files.Errno.ENOENT) {
                        kept.add(entry.displayName() + " (" + e.getMessage() + ")");
                    }
                }
            }

            @Override
            boolean skipUnenterable(Entry directory, SourceException why) {
                kept.add(directory.displayName() + " and what is in it (" + why.getMessage() + ")");
                return true;
            }
        }.walk();
        return kept;
    }

    /**
     * Goes through a manifest's entries in order with the directory each lives in open: each
     * source's parent as the user gave it, then every directory of the tree opened from its parent
     * without following links and checked to be the one scanned. A closing entry is visited in
     * its parent, after the directory itself was closed.
     */
    private abstract static class TreeWalk {
        private final Manifest manifest;

        TreeWalk(Manifest manifest) {
            this.manifest = manifest;
        }

        abstract void visit(Entry entry, Directory directory) throws IOException;

        /**
         * A directory of the tree cannot be entered as scanned (it was replaced): true to leave
         * out what is in it and go on, false (the default) to stop with the error.
         */
        boolean skipUnenterable(Entry directory, SourceException why) {
            return false;
        }

        final void walk() throws IOException {
            Deque<Directory> open = new ArrayDeque<>();
            int source = -1;
            int skipping = 0;
            try {
                for (Entry entry : manifest.entries()) {
                    if (entry.source() != source) {
                        open.forEach(Directory::close);
                        open.clear();
                        source = entry.source();
                        open.push(openParent(source));
                    }
                    if (skipping > 0) {
                        skipping += entry.kind() == Kind.DIRECTORY ? 1 : entry.kind() == Kind.CLOSE_DIRECTORY ? -1 : 0;
                        if (skipping > 0) {
                            continue;
                        }
                        visit(entry, open.peek());
                        continue;
                    }
                    switch (entry.kind()) {
                        case DIRECTORY -> {
                            visit(entry, open.peek());
                            try {
                                open.push(enter(open.peek(), entry));
                            } catch (SourceException e) {
                                if (!skipUnenterable(entry, e)) {
                                    throw e;
                                }
                                skipping = 1;
                            }
                        }
                        case CLOSE_DIRECTORY -> {
                            open.pop().close();
                            visit(entry, open.peek());
                        }
                        default -> visit(entry, open.peek());
                    }
                }
            } finally {
                open.forEach(Directory::close);
            }
        }

        private Directory openParent(int source) throws IOException {
            Path parent = manifest.parents().get(source);
            Directory directory;
            try {
                directory = Directory.open(parent);
            } catch (FileSystemError e) {
                throw new SourceException("cannot copy from " + parent + ": " + e.getMessage());
            }
            if (!directory.status().identity().equals(manifest.parentIdentities().get(source))) {
                directory.close();
                throw new SourceException(parent + " was replaced while it was being copied");
            }
            return directory;
        }

        private static Directory enter(Directory parent, Entry entry) throws IOException {
            Directory directory;
            try {
                directory = parent.directory(entry.component());
            } catch (FileSystemError e) {
                throw new SourceException("cannot copy " + entry.displayName() + ": " + e.getMessage()
                        + " (was it replaced while it was being copied?)");
            }
            try {
                sameFile(entry, directory.status().identity());
            } catch (IOException e) {
                directory.close();
                throw e;
            }
            return directory;
        }
    }

    /** The receiver's answer and the CRC we computed over what we sent. */
    public record Outcome(CopyResult result, long sentCrc) {
        /** Success: no error, and the receiver got exactly what we sent. */
        public boolean verified() {
            return result.succeeded() && result.crc32() == sentCrc;
        }

        /** Why the copy to {@code target} did not work, in words; empty when it is {@link #verified()}. */
        public java.util.Optional<String> problem(String target) {
            if (!result.succeeded()) {
                return java.util.Optional.of("copying to " + target + " failed: "
                        + org.qvm.guest.files.Errno.describe(result.errno()));
            }
            return verified() ? java.util.Optional.empty()
                    : java.util.Optional.of("the file arrived damaged in " + target + " (CRC mismatch)");
        }
    }
}
