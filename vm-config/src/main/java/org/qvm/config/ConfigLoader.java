package org.qvm.config;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * Reads the host file and every VM file, validates all of it (reporting every problem in one
 * {@link ConfigException}), and allocates CIDs and addresses. Nothing is written unless the whole
 * configuration is valid.
 */
public final class ConfigLoader {
    /** The environment variable that names the host file. */
    public static final String ENVIRONMENT_VARIABLE = "QVM_CONFIG";
    public static final Path DEFAULT_PATH = Path.of("/etc/qvm/qvm.toml");

    /** Whether loading may write the allocation record. */
    public enum Recording {
        /** Never write (for --dry-run): allocations not yet recorded are worked out but not kept. */
        NEVER,
        /** Record new allocations if the data directory is writable (for read-only tools run as any user). */
        IF_POSSIBLE,
        /** Record new allocations; failing to is an error (for tools that act on VMs). */
        ALWAYS
    }

    private final boolean templatesMustBeBuilt;

    /** A loader for the tools that use VMs: a template a VM names must be built. */
    public ConfigLoader() {
        this(true);
    }

    private ConfigLoader(boolean templatesMustBeBuilt) {
        this.templatesMustBeBuilt = templatesMustBeBuilt;
    }

    /**
     * A loader for qvm-template, which must list, show and build templates that VMs name before
     * they are built: a template name only has to be a valid name.
     */
    public static ConfigLoader acceptingUnbuiltTemplates() {
        return new ConfigLoader(false);
    }

    /** The host file named by the environment, or the default. */
    public static Path configPath(Map<String, String> environment) {
        String value = environment.get(ENVIRONMENT_VARIABLE);
        return value == null || value.isEmpty() ? DEFAULT_PATH : Path.of(value);
    }

    /**
     * The host file alone, checked, without the VMs and without asking that its default template
     * be built: for what must work before the VMs can be read (building the template they name).
     */
    public HostConfig loadHost(Path hostFile) {
        Diagnostics diagnostics = new Diagnostics();
        Optional<TomlDocument> hostDocument = TomlDocument.read(hostFile, diagnostics);
        if (hostDocument.isEmpty()) {
            diagnostics.throwIfAny();
        }
        HostConfig host = HostConfigParser.parse(hostDocument.get(), diagnostics, false);
        diagnostics.throwIfAny();
        return host;
    }

    public Configuration load(Path hostFile, Recording recording) {
        Diagnostics diagnostics = new Diagnostics();
        Optional<TomlDocument> hostDocument = TomlDocument.read(hostFile, diagnostics);
        if (hostDocument.isEmpty()) {
            diagnostics.throwIfAny();
        }
        HostConfig host = HostConfigParser.parse(hostDocument.get(), diagnostics, templatesMustBeBuilt);
        List<ParsedVm> vms = readVms(host, hostDocument.get(), diagnostics);
        CrossVmChecks.check(host, hostDocument.get(), vms, diagnostics);
        diagnostics.throwIfAny();

        List<VmDefinition> definitions = vms.stream().map(ParsedVm::definition).toList();
        Map<String, Allocation> allocations = allocate(host, definitions, recording);
        List<Vm> resolved = new ArrayList<>();
        for (VmDefinition definition : definitions) {
            Allocation allocation = allocations.get(definition.name());
            resolved.add(new Vm(definition, allocation.cid(), allocation.link()));
        }
        return new Configuration(host, resolved);
    }

    /**
     * The policy for calls that guests make ({@code [policy] file}), checked against the VMs of
     * the configuration; {@link Policy#builtIn()} when there is no such file.
     */
    public Policy loadPolicy(Configuration configuration) {
        java.nio.file.Path file = configuration.host().policy().file();
        if (!Files.exists(file)) {
            return Policy.builtIn();
        }
        Diagnostics diagnostics = new Diagnostics();
        Optional<TomlDocument> document = TomlDocument.read(file, diagnostics);
        Policy policy = document.map(doc -> PolicyParser.parse(doc, configuration.names(), diagnostics)).orElse(null);
        diagnostics.throwIfAny();
        return policy;
    }

    /** A VM definition with the document it came from, for positions in cross-VM messages. */
    record ParsedVm(VmDefinition definition, TomlDocument document) {
    }

    private List<ParsedVm> readVms(HostConfig host, TomlDocument hostDocument, Diagnostics diagnostics) {
        List<ParsedVm> vms = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(host.vmDir(), "*.toml")) {
            dir.forEach(files::add);
        } catch (IOException e) {
            String why = Files.exists(host.vmDir()) ? "cannot be read: " + e.getMessage() : "does not exist";
            diagnostics.add(hostDocument.at(List.of("vm-dir"), "the VM directory " + host.vmDir() + " " + why));
            return vms;
        }
        files.sort(Comparator.comparing(Path::toString));
        for (Path file : files) {
            String fileName = file.getFileName().toString();
            if (fileName.startsWith(".")) {
                continue;
            }
            String name = fileName.substring(0, fileName.length() - ".toml".length());
            Optional<String> problem = VmName.problem(name);
            if (problem.isEmpty() && VmName.isDisposable(name)) {
                problem = Optional.of("'" + name + "' is a disposable VM's name (disp and a number): qvm-run --dispvm picks those");
            }
            if (problem.isPresent()) {
                diagnostics.add(new Diagnostic(file, 1, 1, problem.get() + "; rename the file"));
                continue;
            }
            TomlDocument.read(file, diagnostics).ifPresent(document ->
                    vms.add(new ParsedVm(VmDefinitionParser.parse(name, document, host, diagnostics, templatesMustBeBuilt), document)));
        }
        vms.addAll(readDisposables(host, vms, diagnostics));
        return vms;
    }

    /**
     * The disposable VMs that exist now ({@code <state-dir>/disposables/dispN.toml}, each naming
     * its disposable template): each is its template's definition under its own name. One whose
     * template is gone is left out (what it left behind is cleaned up by name).
     */
    private static List<ParsedVm> readDisposables(HostConfig host, List<ParsedVm> vms, Diagnostics diagnostics) {
        List<ParsedVm> disposables = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(host.disposablesDir(), "disp*.toml")) {
            dir.forEach(files::add);
        } catch (IOException e) {
            return disposables;
        }
        files.sort(Comparator.comparing(Path::toString));
        for (Path file : files) {
            String name = file.getFileName().toString().replaceFirst("\\.toml$", "");
            if (!VmName.isDisposable(name)) {
                continue;
            }
            Optional<TomlDocument> document = TomlDocument.read(file, diagnostics);
            if (document.isEmpty()) {
                continue;
            }
            TableReader root = TableReader.root(document.get(), diagnostics);
            Optional<String> of = root.string("disposable-of");
            root.finish();
            of.flatMap(template -> vms.stream().filter(vm -> vm.definition().name().equals(template)
                            && vm.definition().disposableTemplate()).findFirst())
                    .ifPresent(template -> disposables.add(new ParsedVm(template.definition().asDisposable(name, file),
                            document.get())));
        }
        return disposables;
    }

    private static Map<String, Allocation> allocate(HostConfig host, List<VmDefinition> vms, Recording recording) {
        AllocationRecord record = new AllocationRecord(host.dataDir());
        if (recording == Recording.NEVER) {
            return allocateFrom(record, host, vms, false);
        }
        try (LockFile lock = record.lock()) {
            return allocateFrom(record, host, vms, true);
        } catch (IOException e) {
            if (recording == Recording.ALWAYS) {
                throw new ConfigException(List.of(new Diagnostic(record.file(), 1, 1,
                        "cannot record the VMs' CIDs and addresses: " + e)));
            }
            // Reading tools run as anyone; the record is written when a tool that acts runs.
            LoggerFactory.getLogger(ConfigLoader.class).debug("allocations not recorded: {}", e.toString());
            return allocateFrom(record, host, vms, false);
        }
    }

    private static Map<String, Allocation> allocateFrom(AllocationRecord record, HostConfig host,
                                                        List<VmDefinition> vms, boolean write) {
        Diagnostics diagnostics = new Diagnostics();
        Map<String, Allocation> recorded = record.read(diagnostics);
        diagnostics.throwIfAny();
        Map<String, Allocation> allocations = Allocator.allocate(vms, host.network().pool(), recorded);
        if (write && !allocations.equals(recorded)) {
            try {
                record.write(allocations);
            } catch (IOException e) {
                throw new ConfigException(List.of(new Diagnostic(record.file(), 1, 1,
                        "cannot record the VMs' CIDs and addresses: " + e)));
            }
        }
        return allocations;
    }
}
