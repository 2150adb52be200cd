package org.qvm.network;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.qvm.config.HostConfig;
import org.qvm.config.Ipv4Network;
import org.qvm.config.PointToPointLink;
import org.qvm.config.Vm;
import org.qvm.plan.Action;
import org.qvm.plan.CheckedPlan;
import org.qvm.plan.Command;
import org.qvm.plan.Plan;

/**
 * Turns a VM's network configuration and the observed state into the plan that brings the
 * network up, or takes it down. Pure: it only compares and lists commands. Only what is missing
 * or different is planned, so applying twice does nothing the second time.
 */
public final class NetworkPlanner {
    private NetworkPlanner() {
    }

    /** The sysctls {@link #up} needs read (the prober leaves out those of absent interfaces). */
    public static List<String> sysctlsFor(HostConfig host, String vmName) {
        List<String> keys = new ArrayList<>();
        host.network().uplink().ifPresent(uplink -> keys.add(Sysctl.ipv4Forwarding(uplink)));
        keys.addAll(Sysctl.forTap(TapName.of(vmName)).keySet());
        return keys;
    }

    /** The plan that brings the VM's network up; nothing for a VM without network. */
    public static CheckedPlan up(HostConfig host, Vm vm, ObservedNetwork observed) {
        if (vm.link().isEmpty()) {
            return CheckedPlan.NOTHING;
        }
        HostConfig.Network network = host.network();
        List<String> problems = problems(host, vm, observed);
        Plan.Builder plan = Plan.builder();
        boolean tableKept = planBase(network, vm, observed, plan, problems);
        planTap(host, vm, observed, plan);
        planVmRules(host, vm, observed, tableKept, plan);
        return new CheckedPlan(plan.build(), problems);
    }

    /** What must be true before anything is changed. */
    static List<String> problems(HostConfig host, Vm vm, ObservedNetwork observed) {
        List<String> problems = new ArrayList<>();
        String uplink = host.network().uplink().orElse("");
        if (observed.link(uplink).isEmpty()) {
            problems.add("the uplink '" + uplink + "' (network.uplink in " + host.file() + ") does not exist");
        }
        String tap = TapName.of(vm.name());
        observed.link(tap).filter(link -> !link.alias().equals(TapName.alias(vm.name()))).ifPresent(link ->
                problems.add("the interface " + tap + " exists but qvm did not create it (its alias is not '"
                        + TapName.alias(vm.name()) + "'): remove or rename it"));
        Ipv4Network pool = host.network().pool();
        for (ObservedNetwork.Link link : observed.links().values()) {
            if (TapName.vmOfAlias(link.alias()).isPresent()) {
                continue;
            }
            for (String address : link.ipv4Addresses()) {
                if (overlaps(pool, address)) {
                    problems.add("network.pool " + pool + " overlaps " + address + " on " + link.name()
                            + ": choose a pool the host does not use");
                }
            }
        }
        return problems;
    }

    private static boolean overlaps(Ipv4Network pool, String cidr) {
        try {
            String[] parts = cidr.split("/");
            int prefix = Integer.parseInt(parts[1]);
            int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
            org.qvm.config.Ipv4Address address = org.qvm.config.Ipv4Address.parse(parts[0]);
            return pool.overlaps(new Ipv4Network(new org.qvm.config.Ipv4Address(address.value() & mask), prefix));
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            return false;
        }
    }

    /** Plans the table and its base; returns whether an existing table is kept as it is. */
    private static boolean planBase(HostConfig.Network network, Vm vm, ObservedNetwork observed, Plan.Builder plan,
                                    List<String> problems) {
        String uplink = network.uplink().orElse("");
        String uplinkForwarding = Sysctl.ipv4Forwarding(uplink);
        Optional<ObservedNetwork.QvmTable> table = observed.table();
        if (table.isPresent() && baseIsCurrent(table.get(), network)) {
            if (observed.sysctl(uplinkForwarding).filter(value -> !value.equals("1")).isPresent()) {
                plan.run(Sysctl.set(uplinkForwarding, "1"));
            }
            return true;
        }
        String forwardingWas = observed.sysctl(uplinkForwarding).orElse("0");
        List<Command> transaction = new ArrayList<>();
        if (table.isPresent()) {
            Set<String> others = new TreeSet<>(table.get().interfacesInMaps());
            others.remove(TapName.of(vm.name()));
            if (!others.isEmpty()) {
                problems.add("the nftables table inet qvm was set up for another uplink or pool, and " + others
                        + " still use it: shut those VMs down before changing [network]");
            }
            // Replaced in the same transaction that makes the new one.
            transaction.add(NftRuleset.deleteTable());
            // The old table remembered its uplink's forwarding from before it existed: same uplink,
            // keep remembering it; another uplink, give the old one its value back.
            Optional<String> oldUplink = baseComments(table.get()).map(BaseComment::uplink).flatMap(Optional::stream).findFirst();
            if (oldUplink.filter(uplink::equals).isPresent()) {
                forwardingWas = recordedForwarding(table.get()).orElse(forwardingWas);
            } else {
                restoreForwarding(table.get(), observed, plan);
            }
        }
        transaction.add(NftRuleset.addTable());
        transaction.addAll(NftRuleset.base(network, forwardingWas));
        plan.run(NftRuleset.step(NftRuleset.transaction(transaction)), NftRuleset.step(NftRuleset.deleteTable()));
        if (!forwardingWas.equals("1")) {
            plan.run(Sysctl.set(uplinkForwarding, "1"), Sysctl.set(uplinkForwarding, forwardingWas));
        }
        return false;
    }

    static boolean baseIsCurrent(ObservedNetwork.QvmTable table, HostConfig.Network network) {
        String expected = NftRuleset.baseChecksum(network);
        return table.chains().containsAll(NftRuleset.BASE_CHAINS)
                && table.maps().keySet().containsAll(NftRuleset.MAPS)
                && table.commentsOf("postrouting").stream()
                        .anyMatch(comment -> BaseComment.checksum(comment).filter(expected::equals).isPresent());
    }

    /** The uplink's forwarding value from before the table was made, from the base comment. */
    static Optional<String> recordedForwarding(ObservedNetwork.QvmTable table) {
        return baseComments(table).map(BaseComment::forwardingWas).flatMap(Optional::stream).findFirst();
    }

    private static java.util.stream.Stream<String> baseComments(ObservedNetwork.QvmTable table) {
        return table.commentsOf("postrouting").stream().filter(comment -> BaseComment.checksum(comment).isPresent());
    }

    private static void planTap(HostConfig host, Vm vm, ObservedNetwork observed, Plan.Builder plan) {
        String tap = TapName.of(vm.name());
        PointToPointLink link = vm.link().orElseThrow();
        String address = link.host() + "/31";
        String user = host.crosvm().user();
        Optional<ObservedNetwork.Link> existing = observed.link(tap)
                .filter(found -> found.alias().equals(TapName.alias(vm.name())));
        if (existing.isPresent() && !tapMatches(existing.get(), user)) {
            plan.run(ip("link", "del", "dev", tap));
            existing = Optional.empty();
        }
        if (existing.isEmpty()) {
            // Three steps (where ip runs, three processes): the tap made and marked ours, its settings,
            // then its address and up.
            plan.run(ipBatch(List.of("tuntap add dev " + tap + " mode tap vnet_hdr user " + user,
                    "link set dev " + tap + " alias " + TapName.alias(vm.name()))), ip("link", "del", "dev", tap));
            plan.run(Sysctl.setAll(Sysctl.forTap(tap)));
            plan.run(ipBatch(List.of("addr add " + address + " dev " + tap, "link set dev " + tap + " up")));
            return;
        }
        ObservedNetwork.Link found = existing.get();
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        Sysctl.forTap(tap).forEach((key, value) -> {
            if (!observed.sysctl(key).orElse("").equals(value)) {
                settings.put(key, value);
            }
        });
        if (!settings.isEmpty()) {
            plan.run(Sysctl.setAll(settings));
        }
        for (String stale : found.ipv4Addresses()) {
            if (!stale.equals(address)) {
                plan.run(ip("addr", "del", stale, "dev", tap));
            }
        }
        if (!found.ipv4Addresses().contains(address)) {
            plan.run(ip("addr", "add", address, "dev", tap), ip("addr", "del", address, "dev", tap));
        }
        if (!found.up()) {
            plan.run(ip("link", "set", "dev", tap, "up"));
        }
    }

    private static boolean tapMatches(ObservedNetwork.Link link, String user) {
        return link.tap().filter(tap -> tap.vnetHdr() && tap.persistent() && !tap.multiQueue() && !tap.packetInfo()
                && UserIds.same(user, tap.user())).isPresent();
    }

    private static void planVmRules(HostConfig host, Vm vm, ObservedNetwork observed, boolean tableKept,
                                    Plan.Builder plan) {
        String name = vm.name();
        String tap = TapName.of(name);
        PointToPointLink link = vm.link().orElseThrow();
        List<String> chains = NftRuleset.vmChains(name);
        // One transaction: what is stale of the VM's goes, its chains, rules and map entries come, all or nothing.
        List<Command> transaction = new ArrayList<>();
        if (tableKept) {
            ObservedNetwork.QvmTable table = observed.table().orElseThrow();
            if (vmRulesCurrent(host, vm, table)) {
                return;
            }
            transaction.addAll(vmRulesThere(table, name));
        }
        transaction.addAll(NftRuleset.vmChainsAndRules(name, host, link));
        List<Command> undo = new ArrayList<>();
        for (int i = 0; i < chains.size(); i++) {
            String map = NftRuleset.MAPS.get(i);
            transaction.add(NftRuleset.addElement(map, tap, chains.get(i)));
            undo.add(NftRuleset.deleteElement(map, tap));
        }
        chains.forEach(chain -> undo.add(NftRuleset.deleteChain(chain)));
        plan.run(NftRuleset.step(NftRuleset.transaction(transaction)), NftRuleset.step(NftRuleset.transaction(undo)));
    }

    /** Whether the VM's chains, rules and map entries are in the table as its configuration wants them. */
    static boolean vmRulesCurrent(HostConfig host, Vm vm, ObservedNetwork.QvmTable table) {
        List<String> chains = NftRuleset.vmChains(vm.name());
        String expected = NftRuleset.vmComment(vm.name(), NftRuleset.vmChecksum(vm.name(), host, vm.link().orElseThrow()));
        return table.chains().containsAll(chains)
                && table.commentsOf(chains.get(0)).contains(expected)
                && elementsPointAtChains(table, TapName.of(vm.name()), chains);
    }

    /**
     * Whether a VM with network is isolated as it should be: the table's base and the VM's own
     * rules are all there (a flushed ruleset takes them all away, and nothing else notices).
     */
    public static boolean rulesInPlace(HostConfig host, Vm vm, Optional<ObservedNetwork.QvmTable> table) {
        return table.filter(t -> baseIsCurrent(t, host.network()) && vmRulesCurrent(host, vm, t)).isPresent();
    }

    private static boolean elementsPointAtChains(ObservedNetwork.QvmTable table, String tap, List<String> chains) {
        for (int i = 0; i < chains.size(); i++) {
            Map<String, String> map = table.maps().getOrDefault(NftRuleset.MAPS.get(i), Map.of());
            if (!chains.get(i).equals(map.get(tap))) {
                return false;
            }
        }
        return true;
    }

    /** The deletions of whatever of the VM's map entries and chains exist (entries first: they refer to the chains). */
    private static List<Command> vmRulesThere(ObservedNetwork.QvmTable table, String vmName) {
        String tap = TapName.of(vmName);
        List<Command> deletions = new ArrayList<>();
        for (String map : NftRuleset.MAPS) {
            if (table.maps().getOrDefault(map, Map.of()).containsKey(tap)) {
                deletions.add(NftRuleset.deleteElement(map, tap));
            }
        }
        for (String chain : NftRuleset.vmChains(vmName)) {
            if (table.chains().contains(chain)) {
                deletions.add(NftRuleset.deleteChain(chain));
            }
        }
        return deletions;
    }

    /**
     * The plan that takes a VM's network away: its map entries, chains and tap (only if ours),
     * and, when no other VM's network is left, the table, with the uplink's forwarding set back to
     * what it was before the first VM came up. Works from what exists, whatever the config says now.
     * It is {@link #downOwn} then {@link #downShared}, planned from one observation (for --dry-run).
     */
    public static CheckedPlan down(String vmName, ObservedNetwork observed) {
        Plan.Builder plan = Plan.builder();
        String tap = TapName.of(vmName);
        boolean last = observed.table().filter(table -> othersThan(table, tap).isEmpty()).isPresent();
        if (last) {
            // The table goes, and the VM's pieces with it.
            addDownShared(observed, plan);
        } else {
            addVmRulesRemoval(observed, vmName, plan);
        }
        addTapRemoval(observed, vmName, plan);
        return new CheckedPlan(plan.build(), List.of());
    }

    /**
     * Takes away what is the VM's alone: its map entries and chains (one transaction) and its tap.
     * Another VM's teardown touches none of it, so teardowns need not wait for each other.
     */
    public static CheckedPlan downOwn(String vmName, ObservedNetwork observed) {
        Plan.Builder plan = Plan.builder();
        addVmRulesRemoval(observed, vmName, plan);
        addTapRemoval(observed, vmName, plan);
        return new CheckedPlan(plan.build(), List.of());
    }

    /**
     * What is shared, once no VM uses it: the table, and the uplink's forwarding set back. Nothing
     * while any VM's tap is still in the table's maps. Planned under the network lock.
     */
    public static CheckedPlan downShared(ObservedNetwork observed) {
        Plan.Builder plan = Plan.builder();
        if (observed.table().filter(table -> table.interfacesInMaps().isEmpty()).isPresent()) {
            addDownShared(observed, plan);
        }
        return new CheckedPlan(plan.build(), List.of());
    }

    private static Set<String> othersThan(ObservedNetwork.QvmTable table, String tap) {
        Set<String> others = new TreeSet<>(table.interfacesInMaps());
        others.remove(tap);
        return others;
    }

    private static void addDownShared(ObservedNetwork observed, Plan.Builder plan) {
        ObservedNetwork.QvmTable table = observed.table().orElseThrow();
        plan.run(NftRuleset.step(NftRuleset.deleteTable()));
        restoreForwarding(table, observed, plan);
    }

    private static void addVmRulesRemoval(ObservedNetwork observed, String vmName, Plan.Builder plan) {
        observed.table().ifPresent(table -> {
            List<Command> deletions = vmRulesThere(table, vmName);
            if (!deletions.isEmpty()) {
                plan.run(NftRuleset.step(NftRuleset.transaction(deletions)));
            }
        });
    }

    private static void addTapRemoval(ObservedNetwork observed, String vmName, Plan.Builder plan) {
        String tap = TapName.of(vmName);
        observed.link(tap).filter(link -> link.alias().equals(TapName.alias(vmName)))
                .ifPresent(link -> plan.run(ip("link", "del", "dev", tap)));
    }

    private static void restoreForwarding(ObservedNetwork.QvmTable table, ObservedNetwork observed, Plan.Builder plan) {
        for (String comment : baseComments(table).toList()) {
            Optional<String> uplink = BaseComment.uplink(comment);
            Optional<String> was = BaseComment.forwardingWas(comment);
            if (uplink.isPresent() && was.isPresent() && observed.link(uplink.get()).isPresent()
                    && !was.get().equals("1")) {
                plan.run(Sysctl.set(Sysctl.ipv4Forwarding(uplink.get()), was.get()));
            }
        }
    }

    /**
     * Several ip commands in one process ({@code ip -batch -}); it stops at the first that fails.
     * Only for names qvm makes and checks (tap names, aliases, users, addresses): a batch line is
     * split on spaces. Done in this process where it can be (see {@link InProcessIp}).
     */
    private static Action ipBatch(List<String> lines) {
        for (String line : lines) {
            if (line.contains("\n") || line.contains("\"") || line.contains("#")) {
                throw new IllegalArgumentException("not a plain ip batch line: " + line);
            }
        }
        return InProcessIp.step(Command.of("ip", "-batch", "-").withStdin(String.join("\n", lines) + "\n"));
    }

    /** One ip command, done in this process where it can be (see {@link InProcessIp}). */
    private static Action ip(String... words) {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(words));
        return InProcessIp.step(Command.of(argv));
    }
}
