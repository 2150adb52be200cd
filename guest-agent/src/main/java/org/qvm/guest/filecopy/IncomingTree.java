package org.qvm.guest.filecopy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.qvm.guest.files.Directory;
import org.qvm.guest.files.FileSystemError;
import org.qvm.guest.files.OpenFile;

/**
 * Where a file copy lands ({@code ~/QubesIncoming/<source>/}), worked on only through directory
 * descriptors: every component of a name is opened relative to its parent with O_NOFOLLOW, so a
 * link planted anywhere (by the stream, or by a user of the guest while the copy runs) makes the
 * operation fail instead of escaping. Files are made unnamed (O_TMPFILE, where the file system has
 * it), filled, given their mode and times through their descriptor, and only then linked under
 * their name, exclusively: a half-written file is never visible, and nothing is ever overwritten.
 * A directory is made 0700 when it first appears and gets its own mode and times on its closing
 * header, as in Qubes, so a read-only directory can still be filled.
 *
 * <p>The caller runs the whole copy with the receiving user's filesystem ids
 * ({@link org.qvm.guest.files.FsIdentity}) when it is root: then everything made belongs to the
 * user, and nothing done by any name can reach what the user could not.
 */
public final class IncomingTree implements AutoCloseable {
    private final Directory root;
    /** Directories of this copy that have had their first header and wait for their closing one. */
    private final Set<String> awaitingClose = new HashSet<>();

    private IncomingTree(Directory root) {
        this.root = root;
    }

    /**
     * Opens {@code base} (trusted: the user's home), then makes and opens {@code relative} under
     * it (QubesIncoming/host), each component with mode 0700 and without following links.
     */
    public static IncomingTree open(Path base, String relative) throws FileSystemError {
        return new IncomingTree(openUnder(base, relative.split("/")));
    }

    /**
     * As {@link #open}, except that the last component is a directory made now, so that the copy
     * lands in an empty directory of its own: {@code relative}, else {@code relative-2},
     * {@code -3}... (at most {@value #FRESH_TRIES} tries). Returns the tree and the name used.
     */
    public static Opened openFresh(Path base, String parent, String name) throws FileSystemError {
        Directory directory = openUnder(base, parent.split("/"));
        try {
            for (int i = 1; i <= FRESH_TRIES; i++) {
                String candidate = i == 1 ? name : name + "-" + i;
                byte[] bytes = candidate.getBytes(StandardCharsets.UTF_8);
                if (directory.makeDirectory(bytes, 0700)) {
                    return new Opened(new IncomingTree(directory.directory(bytes)), parent + "/" + candidate);
                }
            }
            throw new FileSystemError(org.qvm.guest.files.Errno.EEXIST, parent + "/" + name + ": " + FRESH_TRIES + " of that name exist");
        } finally {
            directory.close();
        }
    }

    static final int FRESH_TRIES = 100;

    /** An open tree, and its directory's path under the base. */
    public record Opened(IncomingTree tree, String relative) {
    }

    private static Directory openUnder(Path base, String[] components) throws FileSystemError {
        Directory directory = Directory.open(base);
        try {
            for (String component : components) {
                byte[] name = component.getBytes(StandardCharsets.UTF_8);
                directory.makeDirectory(name, 0700);
                Directory next = directory.directory(name);
                directory.close();
                directory = next;
            }
        } catch (FileSystemError e) {
            directory.close();
            throw e;
        }
        return directory;
    }

    /** The name of the one thing at the top of the tree, when it is a regular file and alone there. */
    public java.util.Optional<String> onlyRegularFile() throws FileSystemError {
        java.util.List<byte[]> names = root.names();
        if (names.size() != 1 || !root.status(names.get(0)).isRegularFile()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new String(names.get(0), StandardCharsets.UTF_8));
    }

    /** The directory that holds {@code name}'s last component (the caller closes it). */
    private Directory parentOf(byte[][] components) throws FileSystemError {
        Directory directory = root.directory(new byte[] {'.'});
        try {
            for (int i = 0; i < components.length - 1; i++) {
                Directory next = directory.directory(components[i]);
                directory.close();
                directory = next;
            }
            return directory;
        } catch (FileSystemError e) {
            directory.close();
            throw e;
        }
    }

    private static byte[][] components(String name) {
        String[] parts = name.split("/");
        byte[][] bytes = new byte[parts.length][];
        for (int i = 0; i < parts.length; i++) {
            bytes[i] = parts[i].getBytes(StandardCharsets.UTF_8);
        }
        return bytes;
    }

    private static byte[] last(byte[][] components) {
        return components[components.length - 1];
    }

    /**
     * A directory header: the first time, makes the directory (0700; an existing real directory
     * is merged into); the second, its closing header, gives it its mode and times.
     */
    public void directory(String name, FileHeader header) throws FileSystemError {
        byte[][] components = components(name);
        try (Directory parent = parentOf(components)) {
            if (awaitingClose.add(name)) {
                parent.makeDirectory(last(components), 0700);
                // Whatever is there must be a real directory (a link or a file of that name is not).
                parent.directory(last(components)).close();
                return;
            }
            awaitingClose.remove(name);
            try (Directory directory = parent.directory(last(components))) {
                directory.setModeAndTimes(header.mode() & 07777, header.atime(), header.atimeNsec(), header.mtime(),
                        header.mtimeNsec());
            }
        }
    }

    /** What writes a file's contents. */
    public interface Contents {
        void writeTo(OpenFile file) throws java.io.IOException;
    }

    /**
     * Makes the file {@code name}: its contents, mode and times, then its name. If anything fails,
     * the file is thrown away (an unnamed one simply is never linked).
     */
    public void file(String name, FileHeader header, Contents contents) throws java.io.IOException {
        byte[][] components = components(name);
        try (Directory parent = parentOf(components)) {
            boolean named = false;
            OpenFile file = parent.createFile(last(components));
            try (file) {
                named = !file.isUnnamed();
                contents.writeTo(file);
                file.setModeAndTimes(header.mode(), header.atime(), header.atimeNsec(), header.mtime(), header.mtimeNsec());
                file.linkAs(last(components));
                named = false;
            } finally {
                if (named) {
                    removeQuietly(parent, last(components));
                }
            }
        }
    }

    private static void removeQuietly(Directory parent, byte[] name) {
        try {
            parent.remove(name, false);
        } catch (FileSystemError e) {
            // The half-written file stays inside QubesIncoming.
        }
    }

    /** Makes the symbolic link {@code name} (never over something that exists) with its times. */
    public void symlink(String name, String target, FileHeader header) throws FileSystemError {
        byte[][] components = components(name);
        try (Directory parent = parentOf(components)) {
            parent.symlink(target.getBytes(StandardCharsets.UTF_8), last(components));
            parent.setTimes(last(components), header.atime(), header.atimeNsec(), header.mtime(), header.mtimeNsec());
        }
    }

    @Override
    public void close() {
        root.close();
    }

}
