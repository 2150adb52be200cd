package org.qvm.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.qvm.testsupport.Digests;
import org.qvm.testsupport.HostSandbox;

/** What the end-to-end scenarios share: the tools they need, trees to copy and compare. */
final class EndToEnd {
    /** The host programs the scenarios use besides the suite itself. */
    static final String[] TOOLS = {"ip", "nft", "sysctl", "python3", "mkfs.ext4", "truncate", "setsid", "unshare",
        "nsenter", "runuser", "mount", "umount"};

    private EndToEnd() {
    }

    /**
     * A small tree as people copy them: nested directories, an empty file, names with spaces and
     * accents, a binary file, a relative symbolic link.
     */
    static Path tree(Path root) throws IOException {
        Files.createDirectories(root.resolve("2026/November"));
        Files.createDirectories(root.resolve("empty folder"));
        Files.writeString(root.resolve("2026/November/reçu nº 42.txt"), "one pair of shoes\n");
        Files.writeString(root.resolve("2026/empty"), "");
        byte[] scan = new byte[3 << 20];
        new Random(42).nextBytes(scan);
        Files.write(root.resolve("2026/November/scan.pdf"), scan);
        Files.createSymbolicLink(root.resolve("2026/latest.pdf"), Path.of("November/scan.pdf"));
        return root;
    }

    /**
     * What a tree holds, named relative to its parent (so trees of the same name compare equal):
     * directories, files by SHA-256 and mode, links by target.
     */
    static SortedMap<String, String> digest(Path root) throws IOException {
        SortedMap<String, String> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.toList()) {
                String name = root.getParent().relativize(path).toString();
                if (Files.isSymbolicLink(path)) {
                    entries.put(name, "link -> " + Files.readSymbolicLink(path));
                } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    entries.put(name, "directory");
                } else {
                    entries.put(name, "file " + Digests.sha256(path));
                }
            }
        }
        return entries;
    }

    /** The regular files of a tree, named as {@link #digest} names them, sorted. */
    static List<String> regularFiles(Path root) throws IOException {
        return digest(root).entrySet().stream().filter(entry -> entry.getValue().startsWith("file "))
                .map(Map.Entry::getKey).toList();
    }

    /** The per-VM directories under the state directory (a halted VM has none). */
    static List<String> vmRuntimeDirectories(HostSandbox sandbox) throws IOException {
        Path stateDir = sandbox.dir.resolve("run");
        if (!Files.isDirectory(stateDir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(stateDir)) {
            return entries.filter(Files::isDirectory).map(path -> path.getFileName().toString()).sorted().toList();
        }
    }

}
