package org.qvm.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Label;
import org.qvm.config.Vm;
import org.qvm.lifecycle.RuntimeState;
import org.qvm.lifecycle.VmState;
import org.qvm.network.VmNetwork;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** qvm-ls: list the VMs and their state. */
@Command(name = "qvm-ls", header = "list VMs and their state", sortOptions = false,
        description = "List VMs and their state. Without names, lists every VM.",
        footer = {"", "Fields: name, state, label, memory, cpus, ip, gateway, cid, autostart, wayland, private-size, "
                + "shares, rules, kernel, rootfs.", "Default: NAME STATE LABEL MEMORY CPUS IP CID. MEMORY is in MiB.",
                "RULES says whether a running VM's network rules are in place (ok, missing, ?). A VM whose rules are "
                        + "missing is not isolated: qvm-ls warns, adds the column, and qvm-start --skip-if-running puts "
                        + "them back."})
final class QvmLs extends Tool {
    @Parameters(paramLabel = "VMNAME", arity = "0..*", description = "List only these VMs.")
    List<String> names = new ArrayList<>();

    @ArgGroup(exclusive = true)
    Format format = new Format();

    static final class Format {
        @Option(names = "--raw-list", description = "Print only the names, one per line.")
        boolean rawList;

        @Option(names = "--raw-data", description = "No heading; cells joined by '|', '-' for empty (for scripts).")
        boolean rawData;

        @Option(names = "--json", description = "A JSON array of objects (every field unless --fields is given).")
        boolean json;
    }

    @Option(names = "--fields", split = ",", paramLabel = "FIELD,...", hideParamSyntax = true, description = "The columns to show.")
    List<String> fields;

    @Option(names = "--running", description = "Only running VMs (filters combine: any of them matches).")
    boolean running;

    @Option(names = "--paused", description = "Only paused VMs.")
    boolean paused;

    @Option(names = "--halted", description = "Only halted VMs.")
    boolean halted;

    @Option(names = "--disposable", description = "Only disposable VMs (qvm-run --dispvm's).")
    boolean disposableOnly;

    @Option(names = "--label", paramLabel = "LABEL", description = "Only VMs with this label.")
    String label;

    @Option(names = "--sort", paramLabel = "FIELD", defaultValue = "name", description = "Sort by this field (default: name).")
    String sort;

    @Option(names = "--reverse", description = "Reverse the order.")
    boolean reverse;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto",
            description = "Colour names by label: auto (on a terminal, unless NO_COLOR is set), always, never.")
    Terminal.ColourChoice colour;

    /** Whether standard output is a terminal; tests replace it. */

    @Override
    Arguments arguments() {
        return Arguments.VMS;
    }

    @Override
    List<String[]> examples() {
        return List.of(
                new String[] {"qvm-ls", "every VM: name, state, label, memory, CPUs, address, CID"},
                new String[] {"qvm-ls --running --fields name,ip,gateway", "the running VMs and their /31 links"},
                new String[] {"qvm-ls --raw-data --fields name,state", "for scripts: name|state per line"},
                new String[] {"QVM_CONFIG=examples/qvm.toml qvm-ls --raw-list", "the article's six example VMs"});
    }

    @Override
    public Integer call() {
        List<VmField> columns = columns();
        VmField sortField = VmField.parse(sort);
        Label wantedLabel = label == null ? null : parseLabel(label);

        Configuration configuration = loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
        List<Vm> vms = names.isEmpty() ? configuration.vms() : names.stream().map(configuration::require).toList();
        RuntimeState runtime = new RuntimeState(configuration.host());
        Set<VmState> wantedStates = wantedStates();

        List<VmRow> rows = new ArrayList<>();
        for (Vm vm : vms) {
            VmRow row = new VmRow(vm, runtime.stateOf(vm.name()));
            if ((wantedStates.isEmpty() || wantedStates.contains(row.state()))
                    && (wantedLabel == null || vm.definition().label() == wantedLabel)
                    && (!disposableOnly || vm.definition().disposable())) {
                rows.add(row);
            }
        }
        rows = withRules(configuration, rows);
        rows.sort(order(sortField));
        List<String> missing = rows.stream().filter(row -> "missing".equals(row.rules())).map(row -> row.vm().name()).toList();
        if (!missing.isEmpty() && !format.rawList && !format.rawData && !format.json && !columns.contains(VmField.RULES)) {
            columns = new ArrayList<>(columns);
            columns.add(VmField.RULES);
        }

        List<String> lines;
        if (format.rawList) {
            lines = rows.stream().map(row -> row.vm().name()).toList();
        } else if (format.rawData) {
            lines = ListingFormat.rawData(rows, columns);
        } else if (format.json) {
            lines = ListingFormat.json(rows, fields == null ? List.of(VmField.values()) : columns);
        } else {
            lines = ListingFormat.table(rows, columns, Terminal.colourWanted(colour, stdoutTerminal(), environment()));
        }
        lines.forEach(out()::println);
        out().flush();
        if (!missing.isEmpty()) {
            warn(String.join(", ", missing) + (missing.size() == 1 ? " runs" : " run") + " without its network rules (was "
                    + "the nftables ruleset flushed?), so it is not isolated from the host's network or other VMs; put "
                    + "them back with: qvm-start --skip-if-running " + String.join(" ", missing));
        }
        return 0;
    }

    /** The rows, with the rules column filled in for running VMs with network (one read of the table for all). */
    private List<VmRow> withRules(Configuration configuration, List<VmRow> rows) {
        List<Vm> running = rows.stream().filter(row -> RULES_STATES.contains(row.state()) && row.vm().link().isPresent())
                .map(VmRow::vm).toList();
        if (running.isEmpty()) {
            return rows;
        }
        java.util.Map<String, VmNetwork.Rules> rules = new VmNetwork(configuration.host(), runner()).rulesOf(running);
        List<VmRow> filled = new ArrayList<>();
        for (VmRow row : rows) {
            VmNetwork.Rules state = rules.get(row.vm().name());
            filled.add(state == null ? row : new VmRow(row.vm(), row.state(), switch (state) {
                case IN_PLACE -> "ok";
                case MISSING -> "missing";
                case UNKNOWN -> "?";
            }));
        }
        return filled;
    }

    /** The states in which a VM's network rules should be in place. */
    private static final Set<VmState> RULES_STATES = EnumSet.of(VmState.RUNNING, VmState.PAUSED, VmState.HALTING);

    private List<VmField> columns() {
        if (fields == null) {
            return VmField.DEFAULT;
        }
        List<VmField> columns = fields.stream().filter(f -> !f.isBlank()).map(VmField::parse).toList();
        if (columns.isEmpty()) {
            throw new UsageException("--fields needs at least one field; fields are " + VmField.allIds());
        }
        return columns;
    }

    private static Label parseLabel(String text) {
        try {
            return Label.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private Set<VmState> wantedStates() {
        Set<VmState> states = EnumSet.noneOf(VmState.class);
        if (running) {
            states.add(VmState.RUNNING);
        }
        if (paused) {
            states.add(VmState.PAUSED);
        }
        if (halted) {
            states.add(VmState.HALTED);
        }
        return states;
    }

    /** By the field (numbers as numbers, nothing last), then by name; --reverse turns it round. */
    private Comparator<VmRow> order(VmField field) {
        Comparator<VmRow> byField = (a, b) -> compareValues(field.valueOf(a), field.valueOf(b));
        Comparator<VmRow> order = byField.thenComparing(row -> row.vm().name());
        return reverse ? order.reversed() : order;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareValues(Object a, Object b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : 1) : -1;
        }
        if (a instanceof Comparable comparable && a.getClass() == b.getClass()) {
            return comparable.compareTo(b);
        }
        return a.toString().compareTo(b.toString());
    }
}
