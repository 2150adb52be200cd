package org.qvm.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateStoreTest {
    @TempDir
    Path dir;

    private void template(String name) throws Exception {
        Path directory = Files.createDirectories(dir.resolve("templates").resolve(name));
        new TemplateManifest(name, "bookworm", "http://mirror/debian", "amd64", List.of(), List.of(),
                Map.of("root.img", new TemplateManifest.FileEntry(1, "00")), "2026-11-30T22:00:00Z", "qvm 0.1.0")
                .write(directory.resolve("manifest.json"));
    }

    @Test
    void onlyCompleteTemplatesAreListed() throws Exception {
        template("debian");
        template("dev");
        Files.createDirectories(dir.resolve("templates/.build-work"));
        Files.createDirectories(dir.resolve("templates/half-made"));
        TemplateStore store = new TemplateStore(dir);
        assertEquals(List.of("debian", "dev"), store.list().stream().map(TemplateStore.Template::name).toList(),
                "neither a build in progress nor a directory without its manifest is a template");
        assertEquals("bookworm", store.require("dev").manifest().release());
        TemplateException missing = assertThrows(TemplateException.class, () -> store.require("half-made"));
        assertTrue(missing.getMessage().startsWith("no template named half-made"), missing.getMessage());
        assertEquals(List.of("rm -rf --one-file-system -- " + dir.resolve("templates/dev")),
                TemplateStore.removal(store.require("dev")).render());
    }
}
