package org.qvm.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.plan.Command;
import org.qvm.plan.PlanFailedException;
import org.qvm.plan.ProcessRunner;
import org.qvm.testsupport.NetworkNamespace;
import org.qvm.testsupport.Privileged;
import org.qvm.testsupport.Programs;

/**
 * The network module for real, as root, inside namespaces this test makes: "host" plays the
 * machine qvm runs on, with a stand-in uplink (veth {@code up0}) to "internet", which plays the
 * outside world (192.0.2.1). Nothing outside these namespaces is touched.
 */
class TapNetworkNamespaceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    NetworkNamespace host;
    NetworkNamespace internet;
    final List<NetworkNamespace> guests = new ArrayList<>();
    final List<Process> servers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        Privileged.requireRoot("ip", "nft", "sysctl", "ping", "socat", "ss");
        host = NetworkNamespace.create("host");
        internet = NetworkNamespace.create("inet");
        // No IPv6 in the test's namespaces: link-local addresses come and go with DAD and would blur snapshots.
        host.run("sysctl", "-q", "-w", "net/ipv6/conf/all/disable_ipv6=1", "net/ipv6/conf/default/disable_ipv6=1");
        host.link("up0", "192.0.2.2/24", internet, "inet0", "192.0.2.1/24");
        host.run("ip", "route", "add", "default", "via", "192.0.2.1");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process server : servers) {
            server.destroyForcibly().waitFor();
        }
        guests.forEach(NetworkNamespace::close);
        if (host != null) {
            host.close();
            internet.close();
        }
    }

    private Configuration config(String crosvmUser, String uplink, String dns) throws Exception {
        Path qvm = dir.resolve("qvm.toml");
        Files.writeString(qvm, """
                state-dir = "%s"
                data-dir = "%s"
                [crosvm]
                user = "%s"
                [network]
                uplink = "%s"
                pool = "10.0.0.0/24"
                dns = %s
                """.formatted(dir.resolve("run"), dir.resolve("lib"), crosvmUser, uplink, dns));
        Files.createDirectories(dir.resolve("vms"));
        Files.writeString(dir.resolve("vms/dev.toml"), "[network]\naddress = \"10.0.0.9\"\n");
        Files.writeString(dir.resolve("vms/com.toml"), "[network]\naddress = \"10.0.0.5\"\n");
        Files.writeString(dir.resolve("vms/personal.toml"), "label = \"yellow\"\n");
        return new ConfigLoader().load(qvm, ConfigLoader.Recording.ALWAYS);
    }

    private Configuration config() throws Exception {
        return config("nobody", "up0", "[]");
    }

    /** Everything a network change could alter in the host namespace. */
    private String snapshot() {
        return host.run("ip", "-j", "-d", "address", "show").stdout()
                + host.run("nft", "-j", "list", "ruleset").stdout()
                + host.run("sysctl", "-a", "--pattern", "forwarding").stdout();
    }

    private JsonNode link(String name) throws Exception {
        return JSON.readTree(host.run("ip", "-j", "-d", "address", "show", "dev", name).stdout()).get(0);
    }

    private boolean linkExists(String name) {
        return host.attempt("ip", "link", "show", "dev", name).succeeded();
    }

    private boolean tableExists() {
        return host.attempt("nft", "list", "table", "inet", "qvm").succeeded();
    }

    @Test
    void twoVmsComeUpAgainChangesNothingAndTeardownLeavesTheNamespaceAsItWas() throws Exception {
        Configuration config = config();
        VmNetwork network = new VmNetwork(config.host(), host.runner());
        String before = snapshot();

        network.up(config.require("dev"));
        network.up(config.require("com"));
        network.up(config.require("personal"));

        for (String vm : List.of("dev", "com")) {
            JsonNode tap = link("qvm-" + vm);
            JsonNode data = tap.path("linkinfo").path("info_data");
            assertEquals("tun", tap.path("linkinfo").path("info_kind").asText());
            assertEquals("tap", data.path("type").asText());
            assertTrue(data.path("vnet_hdr").asBoolean(), "vnet_hdr");
            assertTrue(data.path("persist").asBoolean(), "persistent");
            assertEquals("nobody", data.path("user").asText(), "owned by the crosvm user");
            assertEquals("qvm:" + vm, tap.path("ifalias").asText());
            assertTrue(tap.path("flags").toString().contains("\"UP\""), "link up");
            String expected = config.require(vm).link().orElseThrow().host().toString();
            assertEquals(expected, tap.path("addr_info").get(0).path("local").asText());
            assertEquals(31, tap.path("addr_info").get(0).path("prefixlen").asInt());
            assertEquals("1", host.run("sysctl", "-n", "net/ipv4/conf/qvm-" + vm + "/forwarding").stdout().strip());
        }
        assertFalse(linkExists("qvm-personal"), "no network, no tap");
        assertEquals("1", host.run("sysctl", "-n", "net/ipv4/conf/up0/forwarding").stdout().strip());
        assertEquals("0", host.run("sysctl", "-n", "net/ipv4/conf/all/forwarding").stdout().strip(),
                "forwarding only for the uplink path, not switched on for every interface");

        JsonNode table = JSON.readTree(host.run("nft", "-j", "list", "table", "inet", "qvm").stdout()).path("nftables");
        String text = table.toString();
        assertTrue(text.contains("[\"qvm-dev\",{\"jump\":{\"target\":\"vm-dev-from\"}}]"), text);
        assertTrue(text.contains("[\"qvm-com\",{\"jump\":{\"target\":\"vm-com-input\"}}]"), text);
        assertTrue(text.contains("{\"masquerade\":null}"), text);
        assertTrue(text.contains("\"right\":{\"prefix\":{\"addr\":\"10.0.0.0\",\"len\":24}}"), text);
        assertTrue(text.contains("\"right\":\"10.0.0.9\"}},{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"oifname\"}},"
                + "\"right\":\"up0\"}},{\"accept\":null}"), "dev may send to the uplink from its own address");
        assertEquals(List.of(), List.of(host.run("nft", "list", "tables").stdout().strip().split("\n")).stream()
                .filter(line -> !line.equals("table inet qvm")).toList(), "no other table was made");

        String applied = snapshot();
        assertTrue(network.planUp(config.require("dev")).plan().isEmpty());
        network.up(config.require("dev"));
        network.up(config.require("com"));
        assertEquals(applied, snapshot(), "applying again changes nothing");

        network.down("dev");
        assertFalse(linkExists("qvm-dev"));
        assertTrue(linkExists("qvm-com"));
        String afterDev = host.run("nft", "list", "table", "inet", "qvm").stdout();
        assertFalse(afterDev.contains("vm-dev"), afterDev);
        assertTrue(afterDev.contains("vm-com-from"), afterDev);

        network.down("com");
        network.down("personal");
        assertFalse(tableExists(), "the table goes with the last VM's network");
        assertEquals(before, snapshot(), "teardown leaves the namespace as it was");
        network.down("com");
        assertEquals(before, snapshot(), "a second teardown finds nothing to do");
    }

    @Test
    void aVmsRulesGoInOneTransactionThatAppliesWholeOrNotAtAll() throws Exception {
        Configuration config = config();
        new VmNetwork(config.host(), host.runner()).up(config.require("dev"));
        String before = snapshot();
        // dev's pieces deleted, then a rule nft cannot add: the transaction fails and dev keeps everything.
        org.qvm.plan.Command broken = NftRuleset.transaction(List.of(
                NftRuleset.deleteElement(NftRuleset.FROM, "qvm-dev"), NftRuleset.deleteChain("vm-dev-from"),
                NftRuleset.nft("add", "rule", "inet", "qvm", "vm-nosuch-from", "drop")));
        assertFalse(host.runner().run(broken).succeeded());
        assertEquals(before, snapshot(), "nothing of it was applied");
    }

    @Test
    void aFailureHalfWayUndoesWhatThisApplyCreated() throws Exception {
        Configuration config = config("no-such-user-here", "up0", "[\"192.0.2.53\"]");
        VmNetwork network = new VmNetwork(config.host(), host.runner());
        String before = snapshot();
        PlanFailedException failure = assertThrows(PlanFailedException.class, () -> network.up(config.require("dev")));
        assertTrue(failure.getMessage().startsWith("command failed: ip -batch - with input: tuntap add dev qvm-dev mode tap "
                + "vnet_hdr user no-such-user-here; link set dev qvm-dev alias qvm:dev (exit "), failure.getMessage());
        assertEquals(List.of(), failure.undoFailures());
        assertEquals(before, snapshot(), "the table and the forwarding setting made before the failure are gone");
    }

    @Test
    void badSituationsAreRefusedBeforeAnythingChanges() throws Exception {
        Configuration missingUplink = config("root", "eth9", "[]");
        VmNetwork network = new VmNetwork(missingUplink.host(), host.runner());
        String before = snapshot();
        NetworkException noUplink = assertThrows(NetworkException.class, () -> network.up(missingUplink.require("dev")));
        assertTrue(noUplink.getMessage().contains("the uplink 'eth9'"), noUplink.getMessage());
        assertEquals(before, snapshot());

        Configuration config = config();
        VmNetwork good = new VmNetwork(config.host(), host.runner());
        host.run("ip", "tuntap", "add", "dev", "qvm-dev", "mode", "tap");
        host.run("ip", "link", "add", "lan1", "type", "veth", "peer", "name", "lan1peer");
        host.run("ip", "addr", "add", "10.0.0.1/24", "dev", "lan1");
        String crowded = snapshot();
        NetworkException refused = assertThrows(NetworkException.class, () -> good.up(config.require("dev")));
        assertTrue(refused.getMessage().contains("the interface qvm-dev exists but qvm did not create it"), refused.getMessage());
        assertTrue(refused.getMessage().contains("overlaps 10.0.0.1/24 on lan1"), refused.getMessage());
        assertEquals(crowded, snapshot());
        good.down("dev");
        assertTrue(linkExists("qvm-dev"), "teardown never removes an interface that is not ours");

        Path tools = Programs.onlyThese(dir, List.of("ip", "sysctl"));
        ProcessRunner withoutNft = new ProcessRunner(List.of("ip", "netns", "exec", host.name(), "env", "PATH=" + tools));
        NetworkException noNft = assertThrows(NetworkException.class,
                () -> new VmNetwork(config.host(), withoutNft).up(config.require("com")));
        assertTrue(noNft.getMessage().startsWith("'nft' is not installed (Debian package nftables)"), noNft.getMessage());
        assertEquals(crowded, snapshot());
    }

    /** Replaces a VM's tap with a veth of the same name whose far end, in its own namespace, plays the guest. */
    private NetworkNamespace standInGuest(Vm vm) {
        String tap = TapName.of(vm.name());
        host.run("ip", "link", "del", "dev", tap);
        NetworkNamespace guest = NetworkNamespace.create("g" + vm.name());
        guests.add(guest);
        String hostSide = vm.link().orElseThrow().host() + "/31";
        host.link(tap, hostSide, guest, "eth0", vm.link().orElseThrow().guest() + "/31");
        Sysctl.forTap(tap).forEach((key, value) -> host.run("sysctl", "-q", "-w", key + "=" + value));
        guest.run("ip", "route", "add", "default", "via", vm.link().orElseThrow().host().toString());
        return guest;
    }

    private static boolean pings(NetworkNamespace from, String address) {
        return from.attempt("ping", "-n", "-q", "-c", "1", "-W", "1", address).succeeded();
    }

    /** A TCP server in the namespace that answers every connection with {@code reply}. */
    private void serve(NetworkNamespace namespace, String address, int port, String reply) throws Exception {
        Process server = new ProcessBuilder("ip", "netns", "exec", namespace.name(), "socat",
                "TCP-LISTEN:" + port + ",bind=" + address + ",reuseaddr,fork", "SYSTEM:echo " + reply)
                .redirectErrorStream(true).redirectOutput(dir.resolve("server-" + port + ".log").toFile()).start();
        servers.add(server);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (!namespace.run("ss", "-H", "-l", "-t", "-n", "sport = :" + port).stdout().contains(":" + port)) {
            assertTrue(server.isAlive() && Instant.now().isBefore(deadline), "server on port " + port + " came up");
            Thread.onSpinWait();
        }
    }

    private static String fetch(NetworkNamespace from, String address, int port) {
        return from.runner().run(Command.of("socat", "-T", "2", "-u", "TCP:" + address + ":" + port + ",connect-timeout=2",
                "STDOUT").withTimeout(Duration.ofSeconds(10))).stdout().strip();
    }

    private Path packets() throws Exception {
        Path script = dir.resolve("packets.py");
        if (!Files.exists(script)) {
            try (var in = getClass().getResourceAsStream("packets.py")) {
                Files.copy(in, script);
            }
        }
        return script;
    }

    /** A long-running packets.py command in the namespace, once it said its first line. */
    private Process packetsProcess(NetworkNamespace namespace, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace.name(), "python3", packets().toString()));
        argv.addAll(List.of(args));
        Process process = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        servers.add(process);
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()));
        String first = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                return null;
            }
        }).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(first != null, "packets.py " + String.join(" ", args) + " started");
        readers.put(process, out);
        return process;
    }

    private final java.util.Map<Process, java.io.BufferedReader> readers = new java.util.HashMap<>();

    /** Tells a udp-flow to look, and what it saw: answer, refused or nothing. */
    private String outcomeOf(Process flow) throws Exception {
        flow.getOutputStream().write("go\n".getBytes());
        flow.getOutputStream().flush();
        assertTrue(flow.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        return readers.get(flow).readLine();
    }

    private void send(NetworkNamespace from, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("python3", packets().toString()));
        argv.addAll(List.of(args));
        from.run(argv.toArray(String[]::new));
    }

    private static List<String> lines(Path file) throws Exception {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    /**
     * A guest that forges its source address: another VM's or the uplink's, to reach the host's
     * DNS (and, through the host's answer, the other VM); a server's, to inject a reply into a flow
     * the host has open on the uplink; or an ICMP error about such a flow. None of it gets in. The
     * host plays a systemd host, whose conf/all/rp_filter of 2 makes the taps' own strict setting
     * loose: the firewall has to hold by itself.
     */
    @Test
    void forgedPacketsFromAGuestGetNowhere() throws Exception {
        Configuration config = config();
        VmNetwork network = new VmNetwork(config.host(), host.runner());
        network.up(config.require("dev"));
        network.up(config.require("com"));
        for (String key : List.of("rp_filter", "arp_ignore", "arp_announce")) {
            assertEquals(key.equals("arp_announce") ? "2" : "1",
                    host.run("sysctl", "-n", "net/ipv4/conf/qvm-dev/" + key).stdout().strip(), key + " of the tap");
        }
        host.run("sysctl", "-q", "-w", "net/ipv4/conf/all/rp_filter=2");
        NetworkNamespace dev = standInGuest(config.require("dev"));
        NetworkNamespace com = standInGuest(config.require("com"));

        // DNS on the gateway, from dev's own address (the control), then forged, then dev's own again.
        Path log = dir.resolve("dns.log");
        packetsProcess(host, "udp-log", "53", log.toString());
        send(dev, "udp-send", "10.0.0.9", "10.0.0.8", "53");
        dev.run("ip", "addr", "add", "10.0.0.5/32", "dev", "eth0");
        dev.run("ip", "addr", "add", "192.0.2.2/32", "dev", "eth0");
        send(dev, "udp-send", "10.0.0.5", "10.0.0.8", "53");
        send(dev, "udp-send", "192.0.2.2", "10.0.0.8", "53");
        dev.run("ip", "addr", "del", "10.0.0.5/32", "dev", "eth0");
        dev.run("ip", "addr", "del", "192.0.2.2/32", "dev", "eth0");
        send(dev, "udp-send", "10.0.0.9", "10.0.0.8", "53");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (lines(log).size() < 2) {
            assertTrue(Instant.now().isBefore(deadline), "dev's own queries arrived: " + lines(log));
            Thread.onSpinWait();
        }
        assertEquals(List.of("10.0.0.9", "10.0.0.9"), lines(log), "a forged source never reaches the host's DNS");

        // A reply forged by com into a flow the host has open to a server on the uplink.
        packetsProcess(internet, "udp-sink", "53");
        Process flow = packetsProcess(host, "udp-flow", "5353", "192.0.2.1", "53");
        com.run("ip", "addr", "add", "192.0.2.1/32", "dev", "eth0");
        send(com, "udp-send", "192.0.2.1", "192.0.2.2", "5353", "53");
        com.run("ip", "addr", "del", "192.0.2.1/32", "dev", "eth0");
        assertEquals("nothing", outcomeOf(flow), "a forged reply does not get into the host's flow");

        // An ICMP error, from dev's own address, about that kind of flow: not let in either.
        Process other = packetsProcess(host, "udp-flow", "5354", "192.0.2.1", "53");
        send(dev, "icmp-unreachable", "192.0.2.2", "5354", "192.0.2.1", "53");
        assertEquals("nothing", outcomeOf(other), "a forged ICMP error does not reach the host's flow");
        // The same error about a flow the host has open to dev itself is dev's to send, and gets through.
        packetsProcess(dev, "udp-sink", "7");
        Process toDev = packetsProcess(host, "udp-flow", "5355", "10.0.0.9", "7");
        send(dev, "icmp-unreachable", "10.0.0.8", "5355", "10.0.0.9", "7");
        assertEquals("refused", outcomeOf(toDev), "the forger's packets are real: about its own flow, the error counts");

        // ARP: dev learns its own gateway, not com's (arp_ignore).
        dev.run("ip", "route", "add", "10.0.0.4/32", "dev", "eth0");
        dev.attempt("ping", "-n", "-q", "-c", "1", "-W", "1", "10.0.0.4");
        dev.attempt("ping", "-n", "-q", "-c", "1", "-W", "1", "10.0.0.8");
        assertFalse(dev.run("ip", "neigh", "show", "10.0.0.4", "dev", "eth0").stdout().contains("lladdr"),
                "the host does not answer dev's ARP for com's gateway");
        assertTrue(dev.run("ip", "neigh", "show", "10.0.0.8", "dev", "eth0").stdout().contains("lladdr"),
                "but it does for dev's own");
    }

    @Test
    void thePolicyHoldsForRealPackets() throws Exception {
        Configuration config = config();
        VmNetwork network = new VmNetwork(config.host(), host.runner());
        network.up(config.require("dev"));
        network.up(config.require("com"));
        NetworkNamespace dev = standInGuest(config.require("dev"));
        NetworkNamespace com = standInGuest(config.require("com"));

        // Out to the internet through NAT: the internet namespace has no route back to 10.0.0.0/24,
        // so an answer can only arrive if the source was rewritten to the uplink's address.
        assertTrue(pings(dev, "192.0.2.1"), "dev reaches the internet");
        assertTrue(pings(com, "192.0.2.1"), "com reaches the internet");
        serve(internet, "192.0.2.1", 8080, "seen");
        assertEquals("seen", fetch(dev, "192.0.2.1", 8080), "TCP through NAT");

        // No VM reaches another VM, in either direction.
        assertFalse(pings(dev, "10.0.0.5"), "dev cannot reach com");
        assertFalse(pings(com, "10.0.0.9"), "com cannot reach dev");
        assertFalse(pings(dev, "10.0.0.4"), "dev cannot reach com's gateway either");

        // Of the host itself, a VM reaches only DNS on its gateway (the host serves DNS in this config).
        assertFalse(pings(dev, "10.0.0.8"), "no ping to the host");
        assertFalse(pings(dev, "192.0.2.2"), "nothing to the host's uplink address");
        serve(host, "10.0.0.8", 53, "dns");
        serve(host, "10.0.0.8", 2222, "ssh");
        assertEquals("dns", fetch(dev, "10.0.0.8", 53), "DNS to the gateway is let through");
        assertEquals("", fetch(dev, "10.0.0.8", 2222), "any other port on the host is not");

        // The host may reach its VMs (replies come back as established traffic); the internet may not.
        assertTrue(pings(host, "10.0.0.9"), "host reaches dev");
        internet.run("ip", "route", "add", "10.0.0.0/24", "via", "192.0.2.2");
        assertFalse(pings(internet, "10.0.0.9"), "nothing from outside reaches a VM unasked");
    }
}
