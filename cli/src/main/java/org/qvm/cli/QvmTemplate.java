package org.qvm.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.HostConfig;
import org.qvm.config.LockFile;
import org.qvm.config.Size;
import org.qvm.plan.CheckedPlan;
import org.qvm.plan.PlanExecutor;
import org.qvm.templates.AptMirror;
import org.qvm.templates.TemplateBuild;
import org.qvm.templates.TemplateBuilder;
import org.qvm.templates.TemplateException;
import org.qvm.templates.TemplateManifest;
import org.qvm.templates.TemplateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** qvm-template: build guest templates from Debian packages, list, inspect and remove them. */
@Command(name = "qvm-template", header = "build and manage guest templates",
        description = "Build guest templates from Debian packages (mmdebstrap) into <data-dir>/templates/NAME/: a kernel, "
                + "an initrd and a read-only root image with the qvm agent. A VM takes its images from one with "
                + "template = \"NAME\" in its file (or [defaults] template in the host file).",
        subcommands = {QvmTemplate.Build.class, QvmTemplate.ListTemplates.class, QvmTemplate.Info.class,
            QvmTemplate.Remove.class})
final class QvmTemplate extends Tool {
    @Override
    public Integer call() {
        throw usageError("a subcommand is needed: build, list, info or remove");
    }

    @Override
    List<String[]> examples() {
        return List.of(
                new String[] {"qvm-template build debian", "a Debian bookworm guest with the agent, from this host's mirror"},
                new String[] {"qvm-template build dev --package git --package build-essential", "with more packages"},
                new String[] {"qvm-template list", "the templates, their size and the VMs that use them"});
    }

    static TemplateStore store(HostConfig host) {
        return new TemplateStore(host.dataDir());
    }

    /**
     * The configuration as the template tools read it: VMs may name templates that are not built
     * yet (these tools are how they get built), and nothing is recorded.
     */
    static Configuration configuration(Tool tool) {
        return ConfigLoader.acceptingUnbuiltTemplates().load(tool.configPath(), ConfigLoader.Recording.NEVER);
    }

    /** A built template and the VMs that use it. */
    record Found(Configuration configuration, TemplateStore.Template template, List<String> usedBy) {
        static Found named(Tool tool, String name) {
            Configuration configuration = QvmTemplate.configuration(tool);
            return new Found(configuration, store(configuration.host()).require(name),
                    TemplateStore.usedBy(configuration, name));
        }
    }

    @Command(name = "build", description = "Build a template from Debian packages with mmdebstrap (as root; the "
            + "package mirror is the one this host's apt uses unless --mirror says). The template appears only "
            + "once complete; a build that fails or is interrupted leaves nothing.")
    static final class Build extends Tool {
        @Parameters(paramLabel = "NAME", description = "The template's name.")
        String name;

        @Option(names = "--release", paramLabel = "RELEASE", defaultValue = "bookworm",
                description = "The Debian release (default: ${DEFAULT-VALUE}).")
        String release;

        @Option(names = "--package", paramLabel = "PKG", description = "Also install this package (repeatable).")
        List<String> packages = new ArrayList<>();

        @Option(names = "--mirror", paramLabel = "URL", description = "The Debian mirror (default: this host's).")
        String mirror;

        @Mixin
        DryRunOption dryRun = new DryRunOption();

        @Override
        public Integer call() throws Exception {
            String problem = org.qvm.config.Templates.nameProblem(name);
            if (problem != null) {
                throw new UsageException(problem);
            }
            for (String pkg : packages) {
                if (!pkg.matches("[a-z0-9][a-z0-9+.-]+")) {
                    throw new UsageException("'" + pkg + "' is not a Debian package name");
                }
            }
            HostConfig host = new ConfigLoader().loadHost(configPath());
            String from = mirror != null ? mirror : AptMirror.of(Path.of("/etc/apt")).orElseThrow(() -> new TemplateException(
                    "this host's apt names no Debian mirror: give one with --mirror URL"));
            TemplateBuild.Request request = new TemplateBuild.Request(name, release, from, packages, architecture());
            TemplateBuild.GuestBundle bundle = Installation.guestBundle();
            if (dryRun.enabled) {
                printDryRun(new CheckedPlan(TemplateBuild.all(request, bundle, TemplateBuild.Places.of(host.dataDir(), name)),
                        List.of()));
                return 0;
            }
            if (!Installation.onPath("mmdebstrap")) {
                throw new TemplateException("mmdebstrap is not installed (Debian package mmdebstrap): it builds templates");
            }
            if (!Installation.onPath("mksquashfs")) {
                throw new TemplateException("mksquashfs is not installed (Debian package squashfs-tools): it makes the root image");
            }
            boolean show = showProgress();
            new TemplateBuilder(runner(), line -> {
                if (show) {
                    err().println(programName() + ": " + line);
                    err().flush();
                }
            }, ToolRunner.VERSION).build(request, bundle, host.dataDir());
            return 0;
        }

        /** Debian's name for this machine's architecture. */
        private static String architecture() {
            String arch = System.getProperty("os.arch");
            return switch (arch) {
                case "amd64", "x86_64" -> "amd64";
                case "aarch64", "arm64" -> "arm64";
                default -> throw new TemplateException("templates are built for amd64 and arm64, not " + arch);
            };
        }
    }

    @Command(name = "list", aliases = "ls", description = "List the templates: name, release, size, when built, and the "
            + "VMs that use them.")
    static final class ListTemplates extends Tool {
        @Override
        public Integer call() {
            Configuration configuration = configuration(this);
            List<List<String>> rows = new ArrayList<>();
            for (TemplateStore.Template template : store(configuration.host()).list()) {
                List<String> users = TemplateStore.usedBy(configuration, template.name());
                rows.add(List.of(template.name(), template.manifest().release(),
                        new Size(template.manifest().size()).approximate(), template.manifest().built(),
                        users.isEmpty() ? ListingFormat.EMPTY : String.join(",", users)));
            }
            TextTable.render(List.of("NAME", "RELEASE", "SIZE", "BUILT", "USED BY"), rows, null).forEach(out()::println);
            out().flush();
            return 0;
        }
    }

    @Command(name = "info", description = "Show how a template was built and what is in it.")
    static final class Info extends Tool {
        @Parameters(paramLabel = "NAME", description = "The template.")
        String name;

        @Option(names = "--packages", description = "Also list every installed package with its version.")
        boolean packages;

        @Override
        public Integer call() {
            Found found = Found.named(this, name);
            TemplateStore.Template template = found.template();
            TemplateManifest manifest = template.manifest();
            List<String> users = found.usedBy();
            out().println("name          " + manifest.name());
            out().println("directory     " + template.directory());
            out().println("release       " + manifest.release() + " (" + manifest.architecture() + ")");
            out().println("mirror        " + manifest.mirror());
            out().println("built         " + manifest.built() + " by " + manifest.qvmVersion());
            out().println("size          " + new Size(manifest.size()).approximate());
            out().println("packages      " + manifest.packages().size() + " installed; asked for: "
                    + String.join(" ", manifest.requested()));
            out().println("used by       " + (users.isEmpty() ? ListingFormat.EMPTY : String.join(", ", users)));
            manifest.files().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(file ->
                    out().println(String.format(Locale.ROOT, "%-13s %s  sha256 %s", file.getKey(),
                            new Size(file.getValue().size()).approximate(), file.getValue().sha256())));
            if (packages) {
                manifest.packages().forEach(p -> out().println("  " + p.name() + " " + p.version()));
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "remove", aliases = "rm", description = "Remove a template. Refused while a VM uses it, unless "
            + "--force (the VM then cannot start until it names another).")
    static final class Remove extends Tool {
        @Parameters(paramLabel = "NAME", description = "The template.")
        String name;

        @Option(names = "--force", description = "Remove it even though VMs use it.")
        boolean force;

        @Mixin
        DryRunOption dryRun = new DryRunOption();

        @Override
        public Integer call() throws Exception {
            Found found = Found.named(this, name);
            TemplateStore.Template template = found.template();
            List<String> users = found.usedBy();
            if (!users.isEmpty() && !force) {
                throw new TemplateException(name + " is used by " + String.join(", ", users) + ": give them another "
                        + "template first, or remove it anyway with --force");
            }
            CheckedPlan plan = new CheckedPlan(TemplateStore.removal(template), List.of());
            if (dryRun.enabled) {
                printDryRun(plan);
                return 0;
            }
            Path lock = TemplateBuild.Places.of(found.configuration().host().dataDir(), name).lock();
            try (LockFile held = LockFile.acquire(lock)) {
                new PlanExecutor(runner()).execute(plan.plan());
            }
            Files.deleteIfExists(lock);
            return 0;
        }
    }
}
