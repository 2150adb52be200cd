package org.qvm.templates;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Debian mirror the host's own apt uses, so that a template is built from where the host gets
 * its packages (never a host name written into qvm): the first {@code deb} source with the
 * {@code main} component, from {@code sources.list} (one-line format) or {@code sources.list.d/}
 * ({@code .list}, and deb822 {@code .sources}).
 */
public final class AptMirror {
    private AptMirror() {
    }

    /** The mirror of the apt configuration under {@code etcApt} ({@code /etc/apt}), if it names one. */
    public static Optional<String> of(Path etcApt) {
        List<Path> files = new ArrayList<>();
        files.add(etcApt.resolve("sources.list"));
        Path parts = etcApt.resolve("sources.list.d");
        if (Files.isDirectory(parts)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(parts)) {
                List<Path> sorted = new ArrayList<>();
                entries.forEach(sorted::add);
                sorted.sort(null);
                files.addAll(sorted);
            } catch (IOException e) {
                // What sources.list says is enough.
            }
        }
        for (Path file : files) {
            try {
                String text = Files.readString(file);
                Optional<String> found = file.toString().endsWith(".sources") ? fromDeb822(text)
                        : file.toString().endsWith(".list") ? fromOneLine(text) : Optional.empty();
                if (found.isPresent()) {
                    return found;
                }
            } catch (IOException e) {
                // Not there or not readable: the next file may say.
            }
        }
        return Optional.empty();
    }

    /** {@code deb [options] URI SUITE main ...} lines. */
    static Optional<String> fromOneLine(String text) {
        for (String line : text.lines().map(String::strip).toList()) {
            List<String> words = new ArrayList<>(List.of(line.split("\\s+")));
            if (words.isEmpty() || !words.get(0).equals("deb")) {
                continue;
            }
            words.remove(0);
            if (!words.isEmpty() && words.get(0).startsWith("[")) {
                while (!words.isEmpty() && !words.remove(0).endsWith("]")) {
                    continue;
                }
            }
            if (words.size() >= 3 && words.subList(2, words.size()).contains("main") && debian(words.get(0), words.get(1))) {
                return Optional.of(words.get(0));
            }
        }
        return Optional.empty();
    }

    /** deb822 stanzas: {@code Types: deb}, {@code URIs:}, {@code Suites:}, {@code Components: main}. */
    static Optional<String> fromDeb822(String text) {
        for (String stanza : text.split("\\n\\s*\\n")) {
            String types = field(stanza, "Types");
            String uris = field(stanza, "URIs");
            String suites = field(stanza, "Suites");
            String components = field(stanza, "Components");
            if (types == null || uris == null || suites == null || components == null) {
                continue;
            }
            if (List.of(types.split("\\s+")).contains("deb") && List.of(components.split("\\s+")).contains("main")) {
                String uri = uris.split("\\s+")[0];
                if (debian(uri, suites.split("\\s+")[0])) {
                    return Optional.of(uri);
                }
            }
        }
        return Optional.empty();
    }

    private static String field(String stanza, String name) {
        for (String line : stanza.lines().toList()) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return null;
    }

    /** A Debian archive (not the security archive, not a third party's) carries the release itself. */
    private static boolean debian(String uri, String suite) {
        return !suite.contains("security") && !suite.contains("updates") && !suite.contains("backports")
                && !uri.contains("security") && uri.contains("debian");
    }
}
