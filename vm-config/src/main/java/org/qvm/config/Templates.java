package org.qvm.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where guest templates live: {@code <data-dir>/templates/NAME/} holds {@code vmlinuz},
 * {@code initrd.img}, {@code root.img} (a squashfs of the root filesystem) and
 * {@code manifest.json}, which is written last: a directory without it is not a template.
 */
public final class Templates {
    /** A template's name: a letter or digit, then letters, digits, '.', '_' or '-' (at most 64). */
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private Templates() {
    }

    public static Path directory(Path dataDir) {
        return dataDir.resolve("templates");
    }

    public static Path of(Path dataDir, String name) {
        return directory(dataDir).resolve(name);
    }

    public static Path kernel(Path template) {
        return template.resolve("vmlinuz");
    }

    public static Path initrd(Path template) {
        return template.resolve("initrd.img");
    }

    public static Path rootImage(Path template) {
        return template.resolve("root.img");
    }

    public static Path manifest(Path template) {
        return template.resolve("manifest.json");
    }

    /** Whether the template is built (its manifest, written last, is there). */
    public static boolean exists(Path dataDir, String name) {
        return Files.isRegularFile(manifest(of(dataDir, name)));
    }

    /** Why the name cannot be a template's, or null. */
    public static String nameProblem(String name) {
        return NAME.matcher(name).matches() ? null
                : "'" + name + "' is not a template name: a lower-case letter or digit, then lower-case letters, digits, "
                        + "'.', '_' or '-' (at most 64)";
    }
}
