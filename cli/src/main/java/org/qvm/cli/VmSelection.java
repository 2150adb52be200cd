package org.qvm.cli;

import java.util.ArrayList;
import java.util.List;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Which VMs a tool acts on, as in Qubes: {@code VMNAME...}, or {@code --all [--exclude NAME]...}. */
final class VmSelection {
    @Parameters(paramLabel = "VMNAME", arity = "0..*", description = "The VMs to act on.")
    List<String> names = new ArrayList<>();

    @Option(names = "--all", description = "Act on every VM.")
    boolean all;

    @Option(names = "--all-autostart", description = "Act on every VM with autostart = true (what qvm-autostart.service does).")
    boolean allAutostart;

    @Option(names = "--exclude", paramLabel = "NAME", description = "With --all or --all-autostart: leave this VM out (repeatable).")
    List<String> exclude = new ArrayList<>();

    /** Checks the combination before anything is loaded (usage errors exit 2). */
    void check() {
        boolean every = all || allAutostart;
        if (all && allAutostart) {
            throw new UsageException("--all and --all-autostart do not go together");
        }
        if (!exclude.isEmpty() && !every) {
            throw new UsageException("--exclude only works together with --all");
        }
        if (every && !names.isEmpty()) {
            throw new UsageException("name VMs or use --all, not both");
        }
        if (!every && names.isEmpty()) {
            throw new UsageException("no VM given: name one or more, or use --all");
        }
    }

    List<Vm> select(Configuration configuration) {
        check();
        if (!all && !allAutostart) {
            return names.stream().distinct().map(configuration::require).toList();
        }
        exclude.forEach(configuration::require);
        return configuration.vms().stream().filter(vm -> !exclude.contains(vm.name()))
                .filter(vm -> all || vm.definition().autostart()).toList();
    }
}
