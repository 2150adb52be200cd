package org.qvm.templates;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The packages installed in a root filesystem, from its {@code var/lib/dpkg/status}. */
final class DpkgStatus {
    private DpkgStatus() {
    }

    static List<TemplateManifest.Package> installed(Path root) throws IOException {
        return parse(Files.readString(root.resolve("var/lib/dpkg/status")));
    }

    static List<TemplateManifest.Package> parse(String status) {
        List<TemplateManifest.Package> packages = new ArrayList<>();
        for (String stanza : status.split("\\n\\n")) {
            String name = null;
            String version = null;
            boolean installed = false;
            for (String line : stanza.lines().toList()) {
                if (line.startsWith("Package: ")) {
                    name = line.substring("Package: ".length()).strip();
                } else if (line.startsWith("Version: ")) {
                    version = line.substring("Version: ".length()).strip();
                } else if (line.startsWith("Status: ")) {
                    installed = line.strip().endsWith(" installed");
                }
            }
            if (name != null && version != null && installed) {
                packages.add(new TemplateManifest.Package(name, version));
            }
        }
        packages.sort(Comparator.comparing(TemplateManifest.Package::name));
        return packages;
    }
}
