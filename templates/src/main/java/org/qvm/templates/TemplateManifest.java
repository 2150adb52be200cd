package org.qvm.templates;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A template's {@code manifest.json}: how it was built (release, mirror, the packages asked for),
 * what is in it (every installed package with its version), the sha256 and size of each of its
 * files, when it was built and by which qvm.
 */
public record TemplateManifest(String name, String release, String mirror, String architecture, List<String> requested,
                               List<Package> packages, Map<String, FileEntry> files, String built, String qvmVersion) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One installed package. */
    public record Package(String name, String version) {
    }

    /** One file of the template. */
    public record FileEntry(long size, String sha256) {
    }

    public TemplateManifest {
        requested = List.copyOf(requested);
        packages = List.copyOf(packages);
        files = Map.copyOf(files);
    }

    /** The bytes of its files together. */
    public long size() {
        return files.values().stream().mapToLong(FileEntry::size).sum();
    }

    public void write(Path file) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".new");
        JSON.writeValue(partial.toFile(), this);
        Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static TemplateManifest read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), TemplateManifest.class);
    }
}
