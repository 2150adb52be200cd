package org.qvm.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The file {@code <data-dir>/allocations.toml}: which CID and address each VM was given, so that
 * they stay the same for good. Only VMs whose file does not pin a value rely on it. Written
 * atomically, under {@code <data-dir>/allocations.lock}, and only when something changed.
 */
final class AllocationRecord {
    static final String FILE_NAME = "allocations.toml";
    static final String LOCK_NAME = "allocations.lock";
    private static final String HEADER = """
            # Written by qvm: the vsock CID and guest address each VM was given, kept so that they never
            # change. To choose a VM's values yourself, set 'cid' and 'network.address' in its own file.
            """;

    private final Path file;
    private final Path lockFile;

    AllocationRecord(Path dataDir) {
        this.file = dataDir.resolve(FILE_NAME);
        this.lockFile = dataDir.resolve(LOCK_NAME);
    }

    Path file() {
        return file;
    }

    /** The recorded allocations; a missing file is an empty record, a damaged one is an error. */
    Map<String, Allocation> read(Diagnostics diagnostics) {
        Map<String, Allocation> recorded = new TreeMap<>();
        if (!Files.exists(file)) {
            return recorded;
        }
        Optional<TomlDocument> document = TomlDocument.read(file, diagnostics);
        if (document.isEmpty()) {
            return recorded;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = document.get().root().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode cid = entry.getValue().path("cid");
            JsonNode address = entry.getValue().path("address");
            try {
                if (!cid.canConvertToLong() || cid.longValue() < VmDefinitionParser.MIN_CID
                        || cid.longValue() > VmDefinitionParser.MAX_CID) {
                    throw new IllegalArgumentException("'cid' must be an integer from 3 to 4294967294");
                }
                Optional<PointToPointLink> link = address.isTextual()
                        ? Optional.of(PointToPointLink.forGuest(Ipv4Address.parse(address.textValue())))
                        : Optional.empty();
                recorded.put(entry.getKey(), new Allocation(cid.longValue(), link));
            } catch (IllegalArgumentException e) {
                diagnostics.add(document.get().at(java.util.List.of(entry.getKey()), "damaged allocation record for '"
                        + entry.getKey() + "': " + e.getMessage() + "; fix or delete this entry"));
            }
        }
        return recorded;
    }

    /** Replaces the record with {@code allocations} (atomically). */
    void write(Map<String, Allocation> allocations) throws IOException {
        StringBuilder text = new StringBuilder(HEADER);
        allocations.forEach((name, allocation) -> {
            text.append('\n').append('[').append(name).append("]\n").append("cid = ").append(allocation.cid()).append('\n');
            allocation.link().ifPresent(link -> text.append("address = \"").append(link.guest()).append("\"\n"));
        });
        Files.createDirectories(file.getParent());
        Path temporary = file.resolveSibling(FILE_NAME + ".new");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Takes the record's lock (see {@link LockFile}); closing it lets go. */
    LockFile lock() throws IOException {
        return LockFile.acquire(lockFile);
    }
}
