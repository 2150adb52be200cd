package org.qvm.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.HostConfig;
import org.qvm.config.Vm;
import org.qvm.plan.CheckedPlan;
import org.qvm.testsupport.Examples;

/** Plans for the example VMs against observed states written out by hand. */
class NetworkPlannerTest {
    @TempDir
    Path dir;
    Configuration config;
    HostConfig host;

    @BeforeEach
    void load() {
        config = new ConfigLoader().load(Examples.copyTo(dir), ConfigLoader.Recording.NEVER);
        host = config.host();
    }

    private static ObservedNetwork.Link plainLink(String name, String... addresses) {
        return new ObservedNetwork.Link(name, Optional.empty(), "", true, List.of(addresses));
    }

    /**
     * A plan as --dry-run prints it, line by line: an nft transaction is its command line, its
     * script's lines, and the end of its here-document.
     */
    private static List<String> lines(CheckedPlan plan) {
        return plan.plan().render().stream().flatMap(String::lines).toList();
    }

    /** Expected lines, where an entry may hold several (a {@link #DELETIONS}). */
    private static List<String> expected(String... entries) {
        return java.util.Arrays.stream(entries).flatMap(String::lines).toList();
    }

    private static final String BEGIN = "nft -f - <<'EOF'";
    /** A VM's pieces deleted (its map entries, then its chains), one script line each, for {@link #lines}. */
    private static final String DELETIONS = """
            delete element inet qvm vm_from { "qvm-%1$s" }
            delete element inet qvm vm_to { "qvm-%1$s" }
            delete element inet qvm vm_input { "qvm-%1$s" }
            delete chain inet qvm vm-%1$s-from
            delete chain inet qvm vm-%1$s-to
            delete chain inet qvm vm-%1$s-input""";
    private static final String END = "EOF";

    /** Only the uplink exists, with forwarding off. */
    private ObservedNetwork fresh() {
        return new ObservedNetwork(Map.of("lo", plainLink("lo", "127.0.0.1/8"), "eno2", plainLink("eno2", "192.168.1.20/24")),
                Optional.empty(), Map.of("net/ipv4/conf/eno2/forwarding", "0"));
    }

    @Test
    void theTapAndVmNamesFitTheirLimits() {
        assertEquals("qvm-untrusted", TapName.of("untrusted"));
        assertEquals("qvm:untrusted", TapName.alias("untrusted"));
        assertEquals(Optional.of("dev"), TapName.vmOfAlias("qvm:dev"));
        assertEquals(Optional.empty(), TapName.vmOfAlias("docker bridge"));
        assertTrue(TapName.of("abcdefghijk").length() <= 15);
    }

    @Test
    void theGuestLearnsItsAddressFromTheKernelCommandLine() {
        Vm untrusted = config.require("untrusted");
        assertEquals("ip=10.0.0.11::10.0.0.10:255.255.255.254::eth0:off:9.9.9.9",
                GuestAddressing.kernelParameter(host.network(), untrusted.link().orElseThrow()));
        HostConfig.Network noDns = new HostConfig.Network(host.network().uplink(), host.network().pool(), List.of());
        assertEquals("ip=10.0.0.11::10.0.0.10:255.255.255.254::eth0:off:10.0.0.10",
                GuestAddressing.kernelParameter(noDns, untrusted.link().orElseThrow()), "the gateway serves DNS");
    }

    @Test
    void aFreshHostGetsTheTableTheTapAndTheVmsRules() {
        CheckedPlan plan = NetworkPlanner.up(host, config.require("untrusted"), fresh());
        assertEquals(List.of(), plan.problems());
        String sum = NftRuleset.baseChecksum(host.network());
        String vmSum = NftRuleset.vmChecksum("untrusted", host, config.require("untrusted").link().orElseThrow());
        assertEquals(List.of(
                BEGIN,
                "add table inet qvm",
                "add map inet qvm vm_from { type ifname : verdict ; }",
                "add map inet qvm vm_to { type ifname : verdict ; }",
                "add map inet qvm vm_input { type ifname : verdict ; }",
                "add chain inet qvm forward { type filter hook forward priority filter ; policy accept ; }",
                "add rule inet qvm forward iifname vmap @vm_from",
                "add rule inet qvm forward oifname vmap @vm_to",
                "add chain inet qvm input { type filter hook input priority filter ; policy accept ; }",
                "add rule inet qvm input iifname vmap @vm_input",
                "add chain inet qvm postrouting { type nat hook postrouting priority srcnat ; policy accept ; }",
                "add rule inet qvm postrouting ip saddr 10.0.0.0/24 oifname \"eno2\" masquerade comment \"qvm base="
                        + sum + " uplink=eno2 forwarding-was=0\"",
                END,
                "sysctl -q -w net/ipv4/conf/eno2/forwarding=1",
                "ip -batch - <<'EOF'",
                "tuntap add dev qvm-untrusted mode tap vnet_hdr user root",
                "link set dev qvm-untrusted alias qvm:untrusted",
                END,
                "sysctl -q -w net/ipv6/conf/qvm-untrusted/disable_ipv6=1 net/ipv4/conf/qvm-untrusted/forwarding=1 "
                        + "net/ipv4/conf/qvm-untrusted/rp_filter=1 net/ipv4/conf/qvm-untrusted/arp_ignore=1 "
                        + "net/ipv4/conf/qvm-untrusted/arp_announce=2",
                "ip -batch - <<'EOF'",
                "addr add 10.0.0.10/31 dev qvm-untrusted",
                "link set dev qvm-untrusted up",
                END,
                BEGIN,
                "add chain inet qvm vm-untrusted-from",
                "add rule inet qvm vm-untrusted-from ip saddr 10.0.0.11 oifname \"eno2\" accept comment \"qvm vm=untrusted sum="
                        + vmSum + "\"",
                "add rule inet qvm vm-untrusted-from drop",
                "add chain inet qvm vm-untrusted-to",
                "add rule inet qvm vm-untrusted-to iifname \"eno2\" ip daddr 10.0.0.11 ct state established,related accept",
                "add rule inet qvm vm-untrusted-to drop",
                "add chain inet qvm vm-untrusted-input",
                "add rule inet qvm vm-untrusted-input ip saddr != 10.0.0.11 drop",
                "add rule inet qvm vm-untrusted-input ct state established,related ct original ip daddr 10.0.0.11 accept",
                "add rule inet qvm vm-untrusted-input drop",
                "add element inet qvm vm_from { \"qvm-untrusted\" : jump vm-untrusted-from }",
                "add element inet qvm vm_to { \"qvm-untrusted\" : jump vm-untrusted-to }",
                "add element inet qvm vm_input { \"qvm-untrusted\" : jump vm-untrusted-input }",
                END),
                lines(plan));
        List<org.qvm.plan.Command> nft = plan.plan().steps().stream().filter(step -> step.run() instanceof InProcessNft)
                .map(step -> ((InProcessNft) step.run()).equivalent()).toList();
        assertEquals(2, nft.size(), "no nft run per rule: the base, and the VM's pieces, each one transaction");
        assertTrue(nft.stream().allMatch(command -> command.argv().equals(List.of("nft", "-f", "-"))), nft.toString());
        assertEquals(6, plan.plan().steps().size());
        assertEquals(0, plan.plan().steps().stream().filter(step -> step.run() instanceof org.qvm.plan.Command).count(),
                "no process for a VM's network on a fresh host where the tool can do it: the kernel's settings are "
                        + "written by the tool, the transactions done by nftables' library, and the tap's two ip batches "
                        + "by the kernel's interfaces, all in the tool's process");
        assertEquals(2, plan.plan().steps().stream().filter(step -> step.run() instanceof InProcessIp).count());
    }

    @Test
    void whatCreatesSomethingCanBeUndone() {
        CheckedPlan plan = NetworkPlanner.up(host, config.require("dev"), fresh());
        List<String> undos = plan.plan().steps().stream().flatMap(step -> step.undo().stream())
                .flatMap(c -> c.renderWithInput().lines()).toList();
        assertEquals(expected(
                "nft delete table inet qvm",
                "sysctl -q -w net/ipv4/conf/eno2/forwarding=0",
                "ip link del dev qvm-dev",
                BEGIN,
                DELETIONS.formatted("dev"),
                END), undos);
    }

    @Test
    void whenTheHostServesDnsTheGatewayTakesPort53() throws Exception {
        Files.writeString(host.file(), Files.readString(host.file()).replace("dns = [\"9.9.9.9\"]", "dns = []"));
        Configuration noDns = new ConfigLoader().load(host.file(), ConfigLoader.Recording.NEVER);
        List<String> rendered = lines(NetworkPlanner.up(noDns.host(), noDns.require("dev"), fresh()));
        assertTrue(rendered.contains("add rule inet qvm vm-dev-input ip daddr 10.0.0.8 udp dport 53 accept"), rendered.toString());
        assertTrue(rendered.contains("add rule inet qvm vm-dev-input ip daddr 10.0.0.8 tcp dport 53 accept"));
    }

    @Test
    void overTheTcpTransportAVmReachesQvmdOnItsOwnGatewayOnly() throws Exception {
        assertTrue(lines(NetworkPlanner.up(host, config.require("dev"), fresh())).stream()
                .noneMatch(line -> line.contains("dport 5001")), "not with vsock");
        Files.writeString(host.file(), Files.readString(host.file()).replaceAll("(?m)^transport = .*$", "transport = \"tcp\"")
                .replace("[guest]\n", "[guest]\n") + "");
        Path personal = host.file().resolveSibling("vms/personal.toml");
        Files.writeString(personal, "agent = \"none\"\n" + Files.readString(personal));
        Configuration tcp = new ConfigLoader().load(host.file(), ConfigLoader.Recording.NEVER);
        List<String> rendered = lines(NetworkPlanner.up(tcp.host(), tcp.require("dev"), fresh()));
        int rpc = rendered.indexOf("add rule inet qvm vm-dev-input ip daddr 10.0.0.8 tcp dport { 5001, 5002 } accept");
        assertTrue(rpc > 0, rendered.toString());
        assertEquals("add rule inet qvm vm-dev-input drop", rendered.get(rpc + 1), "and nothing else of the host");
    }

        @Test
    void aVmWithoutNetworkGetsNothing() {
        assertEquals(CheckedPlan.NOTHING, NetworkPlanner.up(host, config.require("personal"), fresh()));
        assertEquals(Optional.empty(), VmNetwork.tapOf(config.require("personal")));
    }

    /** The state right after dev's network came up: everything in place. */
    private ObservedNetwork afterUp(String... vms) {
        Map<String, ObservedNetwork.Link> links = new HashMap<>(fresh().links());
        Map<String, String> sysctls = new HashMap<>(Map.of("net/ipv4/conf/eno2/forwarding", "1"));
        Set<String> chains = new java.util.HashSet<>(NftRuleset.BASE_CHAINS);
        Map<String, Map<String, String>> maps = new HashMap<>();
        NftRuleset.MAPS.forEach(map -> maps.put(map, new HashMap<>()));
        Map<String, List<String>> comments = new HashMap<>();
        comments.put("postrouting", List.of(BaseComment.format(NftRuleset.baseChecksum(host.network()), "eno2", "0")));
        for (String name : vms) {
            Vm vm = config.require(name);
            String tap = TapName.of(name);
            links.put(tap, new ObservedNetwork.Link(tap, Optional.of(new ObservedNetwork.Tap(true, true, false, false, "root")),
                    TapName.alias(name), true, List.of(vm.link().orElseThrow().host() + "/31")));
            sysctls.putAll(Sysctl.forTap(tap));
            List<String> vmChains = NftRuleset.vmChains(name);
            chains.addAll(vmChains);
            for (int i = 0; i < vmChains.size(); i++) {
                maps.get(NftRuleset.MAPS.get(i)).put(tap, vmChains.get(i));
            }
            comments.put(vmChains.get(0), List.of(NftRuleset.vmComment(name,
                    NftRuleset.vmChecksum(name, host, vm.link().orElseThrow())), ""));
        }
        return new ObservedNetwork(links, Optional.of(new ObservedNetwork.QvmTable(chains, maps, comments)), sysctls);
    }

    @Test
    void applyingAgainPlansNothing() {
        CheckedPlan again = NetworkPlanner.up(host, config.require("dev"), afterUp("dev", "com"));
        assertEquals(List.of(), again.problems());
        assertEquals(List.of(), again.plan().render());
    }

    @Test
    void aChangedAddressReplacesOnlyWhatDiffers() throws Exception {
        ObservedNetwork before = afterUp("dev");
        Files.writeString(host.vmDir().resolve("dev.toml"),
                Files.readString(host.vmDir().resolve("dev.toml")).replace("enabled = true", "address = \"10.0.0.21\""));
        Configuration changed = new ConfigLoader().load(host.file(), ConfigLoader.Recording.NEVER);
        List<String> plan = lines(NetworkPlanner.up(changed.host(), changed.require("dev"), before));
        assertEquals("ip addr del 10.0.0.8/31 dev qvm-dev", plan.get(0));
        assertEquals("ip addr add 10.0.0.20/31 dev qvm-dev", plan.get(1));
        assertEquals(expected(
                BEGIN,
                DELETIONS.formatted("dev"),
                "add chain inet qvm vm-dev-from"), plan.subList(2, 10), "the old pieces replaced in the same transaction");
        assertEquals(END, plan.get(plan.size() - 1));
        assertTrue(plan.stream().noneMatch(line -> line.contains("add table")), "the table stays");
    }

    @Test
    void teardownTakesExactlyThatVmsPiecesAndTheTableWithTheLastOne() {
        assertEquals(expected(
                BEGIN,
                DELETIONS.formatted("dev"),
                END,
                "ip link del dev qvm-dev"), lines(NetworkPlanner.down("dev", afterUp("dev", "com"))));
        List<String> last = lines(NetworkPlanner.down("com", afterUp("com")));
        assertEquals(List.of(
                "nft delete table inet qvm",
                "sysctl -q -w net/ipv4/conf/eno2/forwarding=0",
                "ip link del dev qvm-com"), last);
        assertEquals(List.of(), NetworkPlanner.down("com", fresh()).plan().render(), "nothing there, nothing to do");
    }

    @Test
    void aTeardownTakesTheVmsOwnPiecesAloneAndTheTableOnlyOnceNoVmUsesIt() {
        assertEquals(expected(
                BEGIN,
                DELETIONS.formatted("com"),
                END,
                "ip link del dev qvm-com"), lines(NetworkPlanner.downOwn("com", afterUp("com"))), "the same when it is the last");
        assertEquals(List.of(), lines(NetworkPlanner.downShared(afterUp("com"))), "com still uses the table");
        assertEquals(List.of("nft delete table inet qvm", "sysctl -q -w net/ipv4/conf/eno2/forwarding=0"),
                lines(NetworkPlanner.downShared(afterUp())), "no VM uses it any more");
        assertEquals(List.of(), lines(NetworkPlanner.downShared(fresh())), "no table");
    }

    @Test
    void problemsAreFoundBeforeAnythingChanges() {
        Map<String, ObservedNetwork.Link> links = new HashMap<>();
        links.put("qvm-dev", plainLink("qvm-dev"));
        links.put("docker0", plainLink("docker0", "10.0.0.1/16"));
        ObservedNetwork crowded = new ObservedNetwork(links, Optional.empty(), Map.of());
        List<String> problems = new ArrayList<>(NetworkPlanner.up(host, config.require("dev"), crowded).problems());
        assertEquals(List.of(
                "the uplink 'eno2' (network.uplink in " + host.file() + ") does not exist",
                "the interface qvm-dev exists but qvm did not create it (its alias is not 'qvm:dev'): remove or rename it",
                "network.pool 10.0.0.0/24 overlaps 10.0.0.1/16 on docker0: choose a pool the host does not use"), problems);
    }

    @Test
    void aTableBuiltForAnotherUplinkIsRebuiltOnlyWhenNoOtherVmUsesIt() throws Exception {
        ObservedNetwork comUp = afterUp("com");
        Map<String, String> sysctls = new HashMap<>(comUp.sysctls());
        sysctls.put("net/ipv4/conf/lo/forwarding", "1");
        ObservedNetwork old = new ObservedNetwork(comUp.links(), comUp.table(), sysctls);
        Files.writeString(host.file(), Files.readString(host.file()).replace("uplink = \"eno2\"", "uplink = \"lo\""));
        Configuration moved = new ConfigLoader().load(host.file(), ConfigLoader.Recording.NEVER);
        CheckedPlan blocked = NetworkPlanner.up(moved.host(), moved.require("dev"), old);
        assertTrue(blocked.problems().get(0).startsWith("the nftables table inet qvm was set up for another uplink or pool, "
                + "and [qvm-com] still use it"), blocked.problems().toString());
        CheckedPlan rebuilt = NetworkPlanner.up(moved.host(), moved.require("com"), old);
        assertEquals(List.of(), rebuilt.problems());
        List<String> render = lines(rebuilt);
        assertEquals(List.of("sysctl -q -w net/ipv4/conf/eno2/forwarding=0", BEGIN, "delete table inet qvm",
                "add table inet qvm"), render.subList(0, 4), "the old uplink gets its forwarding back; the table is replaced at once");
        assertTrue(render.get(13).endsWith("uplink=lo forwarding-was=1\""), render.get(13));
        assertEquals(List.of(), render.stream().filter(line -> line.contains("conf/lo/forwarding")).toList(),
                "lo already forwards");
    }
}
