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
                "nft add table inet qvm",
                "nft add map inet qvm vm_from '{ type ifname : verdict ; }'",
                "nft add map inet qvm vm_to '{ type ifname : verdict ; }'",
                "nft add map inet qvm vm_input '{ type ifname : verdict ; }'",
                "nft add chain inet qvm forward '{ type filter hook forward priority filter ; policy accept ; }'",
                "nft add rule inet qvm forward 'iifname vmap @vm_from'",
                "nft add rule inet qvm forward 'oifname vmap @vm_to'",
                "nft add chain inet qvm input '{ type filter hook input priority filter ; policy accept ; }'",
                "nft add rule inet qvm input 'iifname vmap @vm_input'",
                "nft add chain inet qvm postrouting '{ type nat hook postrouting priority srcnat ; policy accept ; }'",
                "nft add rule inet qvm postrouting 'ip saddr 10.0.0.0/24 oifname \"eno2\" masquerade comment \"qvm base="
                        + sum + " uplink=eno2 forwarding-was=0\"'",
                "sysctl -q -w net/ipv4/conf/eno2/forwarding=1",
                "ip tuntap add dev qvm-untrusted mode tap vnet_hdr user root",
                "ip link set dev qvm-untrusted alias qvm:untrusted",
                "sysctl -q -w net/ipv6/conf/qvm-untrusted/disable_ipv6=1",
                "sysctl -q -w net/ipv4/conf/qvm-untrusted/forwarding=1",
                "sysctl -q -w net/ipv4/conf/qvm-untrusted/rp_filter=1",
                "sysctl -q -w net/ipv4/conf/qvm-untrusted/arp_ignore=1",
                "sysctl -q -w net/ipv4/conf/qvm-untrusted/arp_announce=2",
                "ip addr add 10.0.0.10/31 dev qvm-untrusted",
                "ip link set dev qvm-untrusted up",
                "nft add chain inet qvm vm-untrusted-from",
                "nft add rule inet qvm vm-untrusted-from 'ip saddr 10.0.0.11 oifname \"eno2\" accept comment \"qvm vm=untrusted sum="
                        + vmSum + "\"'",
                "nft add rule inet qvm vm-untrusted-from drop",
                "nft add chain inet qvm vm-untrusted-to",
                "nft add rule inet qvm vm-untrusted-to 'iifname \"eno2\" ip daddr 10.0.0.11 ct state established,related accept'",
                "nft add rule inet qvm vm-untrusted-to drop",
                "nft add chain inet qvm vm-untrusted-input",
                "nft add rule inet qvm vm-untrusted-input 'ip saddr != 10.0.0.11 drop'",
                "nft add rule inet qvm vm-untrusted-input 'ct state established,related ct original ip daddr 10.0.0.11 accept'",
                "nft add rule inet qvm vm-untrusted-input drop",
                "nft add element inet qvm vm_from '{ \"qvm-untrusted\" : jump vm-untrusted-from }'",
                "nft add element inet qvm vm_to '{ \"qvm-untrusted\" : jump vm-untrusted-to }'",
                "nft add element inet qvm vm_input '{ \"qvm-untrusted\" : jump vm-untrusted-input }'"),
                plan.plan().render());
    }

    @Test
    void whatCreatesSomethingCanBeUndone() {
        CheckedPlan plan = NetworkPlanner.up(host, config.require("dev"), fresh());
        List<String> undos = plan.plan().steps().stream().flatMap(step -> step.undo().stream()).map(c -> c.render()).toList();
        assertEquals(List.of(
                "nft delete table inet qvm",
                "sysctl -q -w net/ipv4/conf/eno2/forwarding=0",
                "ip link del dev qvm-dev",
                "nft delete chain inet qvm vm-dev-from",
                "nft delete chain inet qvm vm-dev-to",
                "nft delete chain inet qvm vm-dev-input",
                "nft delete element inet qvm vm_from '{ \"qvm-dev\" }'",
                "nft delete element inet qvm vm_to '{ \"qvm-dev\" }'",
                "nft delete element inet qvm vm_input '{ \"qvm-dev\" }'"), undos);
    }

    @Test
    void whenTheHostServesDnsTheGatewayTakesPort53() throws Exception {
        Files.writeString(host.file(), Files.readString(host.file()).replace("dns = [\"9.9.9.9\"]", "dns = []"));
        Configuration noDns = new ConfigLoader().load(host.file(), ConfigLoader.Recording.NEVER);
        List<String> rendered = NetworkPlanner.up(noDns.host(), noDns.require("dev"), fresh()).plan().render();
        assertTrue(rendered.contains("nft add rule inet qvm vm-dev-input 'ip daddr 10.0.0.8 udp dport 53 accept'"), rendered.toString());
        assertTrue(rendered.contains("nft add rule inet qvm vm-dev-input 'ip daddr 10.0.0.8 tcp dport 53 accept'"));
    }

    @Test
    void overTheTcpTransportAVmReachesQvmdOnItsOwnGatewayOnly() throws Exception {
        assertTrue(NetworkPlanner.up(host, config.require("dev"), fresh()).plan().render().stream()
                .noneMatch(line -> line.contains("dport 5001")), "not with vsock");
        Files.writeString(host.file(), Files.readString(host.file()).replaceAll("(?m)^transport = .*$", "transport = \"tcp\"")
                .replace("[guest]\n", "[guest]\n") + "");
        Path personal = host.file().resolveSibling("vms/personal.toml");
        Files.writeString(personal, "agent = \"none\"\n" + Files.readString(personal));
        Configuration tcp = new ConfigLoader().load(host.file(), ConfigLoader.Recording.NEVER);
        List<String> rendered = NetworkPlanner.up(tcp.host(), tcp.require("dev"), fresh()).plan().render();
        int rpc = rendered.indexOf("nft add rule inet qvm vm-dev-input 'ip daddr 10.0.0.8 tcp dport { 5001, 5002 } accept'");
        assertTrue(rpc > 0, rendered.toString());
        assertEquals("nft add rule inet qvm vm-dev-input drop", rendered.get(rpc + 1), "and nothing else of the host");
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
        List<String> plan = NetworkPlanner.up(changed.host(), changed.require("dev"), before).plan().render();
        assertEquals("ip addr del 10.0.0.8/31 dev qvm-dev", plan.get(0));
        assertEquals("ip addr add 10.0.0.20/31 dev qvm-dev", plan.get(1));
        assertEquals(List.of(
                "nft delete element inet qvm vm_from '{ \"qvm-dev\" }'",
                "nft delete element inet qvm vm_to '{ \"qvm-dev\" }'",
                "nft delete element inet qvm vm_input '{ \"qvm-dev\" }'",
                "nft delete chain inet qvm vm-dev-from",
                "nft delete chain inet qvm vm-dev-to",
                "nft delete chain inet qvm vm-dev-input",
                "nft add chain inet qvm vm-dev-from"), plan.subList(2, 9));
        assertTrue(plan.stream().noneMatch(line -> line.contains("add table")), "the table stays");
    }

    @Test
    void teardownTakesExactlyThatVmsPiecesAndTheTableWithTheLastOne() {
        assertEquals(List.of(
                "nft delete element inet qvm vm_from '{ \"qvm-dev\" }'",
                "nft delete element inet qvm vm_to '{ \"qvm-dev\" }'",
                "nft delete element inet qvm vm_input '{ \"qvm-dev\" }'",
                "nft delete chain inet qvm vm-dev-from",
                "nft delete chain inet qvm vm-dev-to",
                "nft delete chain inet qvm vm-dev-input",
                "ip link del dev qvm-dev"), NetworkPlanner.down("dev", afterUp("dev", "com")).plan().render());
        List<String> last = NetworkPlanner.down("com", afterUp("com")).plan().render();
        assertEquals(List.of(
                "nft delete element inet qvm vm_from '{ \"qvm-com\" }'",
                "nft delete element inet qvm vm_to '{ \"qvm-com\" }'",
                "nft delete element inet qvm vm_input '{ \"qvm-com\" }'",
                "nft delete chain inet qvm vm-com-from",
                "nft delete chain inet qvm vm-com-to",
                "nft delete chain inet qvm vm-com-input",
                "nft delete table inet qvm",
                "sysctl -q -w net/ipv4/conf/eno2/forwarding=0",
                "ip link del dev qvm-com"), last);
        assertEquals(List.of(), NetworkPlanner.down("com", fresh()).plan().render(), "nothing there, nothing to do");
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
        List<String> render = rebuilt.plan().render();
        assertEquals(List.of("nft delete table inet qvm", "sysctl -q -w net/ipv4/conf/eno2/forwarding=0",
                "nft add table inet qvm"), render.subList(0, 3), "the old uplink gets its forwarding back");
        assertTrue(render.get(12).endsWith("uplink=lo forwarding-was=1\"'"), render.get(12));
        assertEquals(List.of(), render.stream().filter(line -> line.contains("conf/lo/forwarding")).toList(),
                "lo already forwards");
    }
}
