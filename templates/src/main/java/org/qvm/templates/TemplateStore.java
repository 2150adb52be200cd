package org.qvm.templates;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.qvm.config.Configuration;
import org.qvm.config.Templates;
import org.qvm.config.Vm;
import org.qvm.plan.Command;
import org.qvm.plan.Plan;
import org.qvm.plan.Step;

/** The templates built on this host: {@code <data-dir>/templates/NAME/} with a manifest. */
public final class TemplateStore {
    private final Path dataDir;

    public TemplateStore(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** A built template: its name, directory and manifest. */
    public record Template(String name, Path directory, TemplateManifest manifest) {
    }

    /** Every template, by name (a directory being built, or left by a build that died, is not one). */
    public List<Template> list() {
        List<Template> templates = new ArrayList<>();
        Path store = Templates.directory(dataDir);
        if (!Files.isDirectory(store)) {
            return templates;
        }
        List<Path> directories = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(store)) {
            entries.forEach(directories::add);
        } catch (IOException e) {
            throw new TemplateException("cannot read " + store + ": " + e.getMessage(), e);
        }
        directories.sort(null);
        for (Path directory : directories) {
            String name = directory.getFileName().toString();
            if (Templates.nameProblem(name) == null && Files.isRegularFile(Templates.manifest(directory))) {
                find(name).ifPresent(templates::add);
            }
        }
        return templates;
    }

    public Optional<Template> find(String name) {
        if (Templates.nameProblem(name) != null || !Templates.exists(dataDir, name)) {
            return Optional.empty();
        }
        Path directory = Templates.of(dataDir, name);
        try {
            return Optional.of(new Template(name, directory, TemplateManifest.read(Templates.manifest(directory))));
        } catch (IOException e) {
            throw new TemplateException("the manifest of " + name + " cannot be read: " + e.getMessage(), e);
        }
    }

    public Template require(String name) {
        return find(name).orElseThrow(() -> new TemplateException("no template named " + name
                + " (qvm-template list shows them; qvm-template build " + name + " makes it)"));
    }

    /** The VMs whose images come from the template (through their own template key or the host's default). */
    public static List<String> usedBy(Configuration configuration, String name) {
        return configuration.vms().stream().map(Vm::definition).filter(vm -> vm.template().filter(name::equals).isPresent())
                .map(vm -> vm.name()).toList();
    }

    /** Removes the template: its directory, whole. */
    public static Plan removal(Template template) {
        return Plan.of(Step.of(Command.of("rm", "-rf", "--one-file-system", "--", template.directory().toString())));
    }
}
