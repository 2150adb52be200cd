package org.qvm.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.qvm.templates.TemplateBuild;
import org.qvm.templates.TemplateException;

/**
 * Where the pieces of qvm that are not in its jar are: beside a checkout ({@code cli/target/qvm.jar}
 * under the repository) or an installation ({@code PREFIX/share/qvm/qvm.jar}), found from the
 * jar (or classes) this code runs from.
 */
final class Installation {
    private Installation() {
    }

    /** What a template build puts into the guest: the guest files and hook, the agent's jar and wrapper. */
    static TemplateBuild.GuestBundle guestBundle() {
        Path code = codeSource();
        // A checkout: <repo>/cli/target/qvm.jar or <repo>/cli/target/classes.
        Path repository = code.getParent() == null || code.getParent().getParent() == null ? null
                : code.getParent().getParent().getParent();
        if (repository != null && Files.isRegularFile(repository.resolve("guest/build/customize"))) {
            return checked(new TemplateBuild.GuestBundle(repository.resolve("guest/files"),
                    repository.resolve("guest/build/customize"), repository.resolve("guest-agent/target/qvm-agent.jar"),
                    repository.resolve("bin/qvm-agent")), "mvn -q -B package -DskipTests");
        }
        // An installation: PREFIX/share/qvm/qvm.jar, with the guest files beside it and the wrapper in PREFIX/bin.
        Path share = code.getParent();
        return checked(new TemplateBuild.GuestBundle(share.resolve("guest/files"), share.resolve("guest/build/customize"),
                share.resolve("qvm-agent.jar"), share.getParent().getParent().resolve("bin/qvm-agent")), "install.sh");
    }

    private static TemplateBuild.GuestBundle checked(TemplateBuild.GuestBundle bundle, String howToGetIt) {
        for (Path piece : List.of(bundle.guestFiles(), bundle.customizeHook(), bundle.agentJar(), bundle.agentWrapper())) {
            if (!Files.exists(piece)) {
                throw new TemplateException(piece + " is missing, and templates are built with it (" + howToGetIt + ")");
            }
        }
        return bundle;
    }

    private static Path codeSource() {
        try {
            return Path.of(Installation.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether a program is on PATH. */
    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
