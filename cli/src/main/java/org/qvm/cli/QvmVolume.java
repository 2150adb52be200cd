package org.qvm.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.LockFile;
import org.qvm.config.Size;
import org.qvm.config.TomlEditor;
import org.qvm.config.Vm;
import org.qvm.plan.CheckedPlan;
import org.qvm.storage.StorageException;
import org.qvm.storage.VmStorage;
import org.qvm.storage.VolumeInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** qvm-volume: list, inspect, grow and (explicitly) remove the VMs' volumes. */
@Command(name = "qvm-volume", header = "manage the VMs' volumes", description = "Manage the VMs' volumes: 'root' (the shared read-only image) and "
        + "'private' (the VM's own data).",
        subcommands = {QvmVolume.ListVolumes.class, QvmVolume.Info.class, QvmVolume.Resize.class, QvmVolume.Remove.class})
final class QvmVolume extends Tool {

    @Override
    public Integer call() {
        throw usageError("a subcommand is needed: list, info, resize or remove");
    }

    @Override
    List<String[]> examples() {
        return List.of(
                new String[] {"qvm-volume list", "every VM's root image and private volume, with sizes and paths"},
                new String[] {"qvm-volume resize dev:private 60G", "grow dev's volume (dev grows its filesystem at its next boot); dev.toml records 60G"},
                new String[] {"qvm-volume remove untrusted:private", "remove untrusted's data (asks first)"});
    }

    static VmStorage storage(Tool tool, Configuration configuration) {
        return new VmStorage(VmStorage.poolFor(configuration.host(), tool.runner()), tool.runner());
    }

    static String size(OptionalLong bytes) {
        return bytes.isPresent() ? new Size(bytes.getAsLong()).approximate() : ListingFormat.EMPTY;
    }

    @Command(name = "list", aliases = "ls", description = "List the volumes of every VM, or of the VMs named.")
    static final class ListVolumes extends Tool {
        @Override
        Arguments arguments() {
            return Arguments.VMS;
        }

        @Parameters(paramLabel = "VMNAME", arity = "0..*", description = "Only these VMs.")
        List<String> names = new ArrayList<>();

        @Override
        public Integer call() {
            Configuration configuration = loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
            List<Vm> vms = names.isEmpty() ? configuration.vms() : names.stream().map(configuration::require).toList();
            VmStorage storage = storage(this, configuration);
            List<List<String>> rows = new ArrayList<>();
            for (Vm vm : vms) {
                for (VolumeInfo volume : storage.list(vm)) {
                    rows.add(List.of(volume.vm(), volume.volume(), volume.pool(), size(volume.size()), size(volume.used()),
                            volume.readOnly() ? "yes" : "no", volume.path().toString()));
                }
            }
            TextTable.render(List.of("VM", "VOLUME", "POOL", "SIZE", "USED", "RO", "PATH"), rows, null).forEach(out()::println);
            out().flush();
            return 0;
        }
    }

    @Command(name = "info", description = "Show one volume's details.")
    static final class Info extends Tool {
        @Override
        Arguments arguments() {
            return Arguments.VOLUME;
        }

        @Parameters(paramLabel = "VM:VOLUME", description = "For example dev:private.")
        String volume;

        @Override
        public Integer call() {
            VolumeRef ref = VolumeRef.parse(volume);
            Configuration configuration = loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
            Vm vm = configuration.require(ref.vm());
            VolumeInfo info = storage(this, configuration).list(vm).stream()
                    .filter(v -> v.volume().equals(ref.volume())).findFirst().orElseThrow();
            out().println("vm        " + info.vm());
            out().println("volume    " + info.volume());
            out().println("pool      " + info.pool());
            out().println("path      " + info.path());
            out().println("size      " + size(info.size()));
            out().println("used      " + size(info.used()));
            out().println("read-only " + (info.readOnly() ? "yes" : "no"));
            if (ref.isPrivate()) {
                out().println("declared  " + vm.definition().privateSize() + " (in " + vm.definition().file() + ")");
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "resize", description = "Grow a VM's private volume and record the new size in the VM's file. "
            + "Volumes only grow; the VM must be halted. The filesystem on it is the guest's: the guest grows it to "
            + "fill the volume when it next boots (the host never checks or resizes what a guest wrote).")
    static final class Resize extends Tool {
        @Override
        Arguments arguments() {
            return Arguments.PRIVATE_VOLUME;
        }

        @Parameters(index = "0", paramLabel = "VM:private", description = "The volume, for example dev:private.")
        String volume;

        @Parameters(index = "1", paramLabel = "SIZE", description = "The new size, for example 50G.")
        String newSize;

        @Mixin
        DryRunOption dryRun = new DryRunOption();

        @Override
        public Integer call() throws IOException {
            VolumeRef ref = VolumeRef.parsePrivate(volume, "resized");
            Size size;
            try {
                size = Size.parse(newSize);
            } catch (IllegalArgumentException e) {
                throw usageError(e.getMessage());
            }
            Configuration configuration = loadConfiguration(dryRun.enabled ? ConfigLoader.Recording.NEVER : ConfigLoader.Recording.ALWAYS);
            Vm vm = configuration.require(ref.vm());
            Size declared = vm.definition().privateSize();
            if (size.compareTo(declared) < 0) {
                throw new IllegalArgumentException("the private volume of " + vm.name() + " is declared " + declared
                        + "; volumes only grow (shrinking would lose data)");
            }
            Vm grown = new Vm(vm.definition().withPrivateSize(size), vm.cid(), vm.link());
            VmStorage storage = storage(this, configuration);
            String where = vm.definition().file().toString();
            if (dryRun.enabled) {
                out().println("# set [private] size = \"" + size + "\" in " + where);
                printDryRun(storage.planPrepare(grown));
                return 0;
            }
            try (LockFile lock = lockVm(configuration, vm.name())) {
                requireHalted(configuration, vm, "resize its volume");
                CheckedPlan plan = storage.planPrepare(grown);
                if (!plan.isClear()) {
                    throw new StorageException("cannot resize " + ref + ": " + String.join("; ", plan.problems()));
                }
                String before = TomlEditor.updateFile(vm.definition().file(), "private", "size", size.toString());
                try {
                    storage.prepare(grown);
                } catch (RuntimeException e) {
                    TomlEditor.replaceFile(vm.definition().file(), before);
                    throw e;
                }
            }
            return 0;
        }
    }

    @Command(name = "remove", aliases = "rm", description = "Remove a VM's private volume and all its data (asks "
            + "first). The VM gets a new, empty one when it next starts. Nothing else ever removes a volume.")
    static final class Remove extends Tool {
        @Override
        Arguments arguments() {
            return Arguments.PRIVATE_VOLUME;
        }

        @Parameters(paramLabel = "VM:private", description = "The volume, for example dev:private.")
        String volume;

        @Option(names = {"-f", "--force"}, description = "Do not ask.")
        boolean force;

        @Mixin
        DryRunOption dryRun = new DryRunOption();

        @Override
        public Integer call() throws IOException {
            VolumeRef ref = VolumeRef.parsePrivate(volume, "removed");
            Configuration configuration = loadConfiguration(ConfigLoader.Recording.NEVER);
            Vm vm = configuration.require(ref.vm());
            VmStorage storage = storage(this, configuration);
            if (dryRun.enabled) {
                printDryRun(storage.planRemove(vm.name()));
                return 0;
            }
            try (LockFile lock = lockVm(configuration, vm.name())) {
                requireHalted(configuration, vm, "remove its volume");
                CheckedPlan plan = storage.planRemove(vm.name());
                if (!plan.isClear()) {
                    throw new StorageException(String.join("; ", plan.problems()));
                }
                if (plan.plan().isEmpty()) {
                    warn(ref + " does not exist; nothing to remove");
                    return 0;
                }
                if (!force && !confirm("This removes " + storage.privateVolume(vm) + " and all data in it. Are you sure?")) {
                    err().println(programName() + ": " + ref + " was not removed");
                    return 1;
                }
                storage.remove(vm.name());
            }
            return 0;
        }
    }
}
