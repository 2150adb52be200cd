package org.qvm.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qvm.plan.Command;
import org.qvm.plan.CommandResult;
import org.qvm.plan.ProcessRunner;
import org.qvm.testsupport.NetworkNamespace;
import org.qvm.testsupport.Privileged;

/**
 * The ip commands a VM's network plan holds, done in this process ({@link InProcessIp} through
 * {@link Rtnetlink}), leave the kernel as ip leaves it, fail as ip fails, and the in-process
 * listing reads what {@code ip -j -d address show} prints. The kernel's interfaces act on the
 * calling process's namespace, so the in-process side runs in a JVM of its own inside a namespace
 * this test makes ({@link InNamespace}), and ip runs there beside it; nothing outside is touched.
 */
class RtnetlinkNamespaceTest {
    /** A uid with no name in /etc/passwd, so ip shows the tap's owner as the number the kernel keeps. */
    private static final String OWNER = "4242";
    private static final ObjectMapper JSON = new ObjectMapper();

    private NetworkNamespace namespace;

    @BeforeEach
    void setUp() {
        Privileged.requireRoot("ip");
        namespace = NetworkNamespace.create("rtnl");
    }

    @AfterEach
    void tearDown() {
        if (namespace != null) {
            namespace.close();
        }
    }

    /** Runs {@link InNamespace} in the test's namespace with the commands' argv (tab-separated) and inputs; its lines. */
    private List<String> inNamespace(Command... commands) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace.name(),
                ProcessHandle.current().info().command().orElseThrow(), "-cp", System.getProperty("java.class.path"),
                InNamespace.class.getName()));
        for (Command command : commands) {
            argv.add(String.join("\t", command.argv()));
            argv.add(command.stdin().orElse(""));
        }
        CommandResult result = new ProcessRunner().run(Command.of(argv).withTimeout(java.time.Duration.ofSeconds(60)));
        assertEquals(0, result.exitStatus(), result.stdout() + result.stderr());
        return result.stdout().lines().toList();
    }

    private static Command batch(String... lines) {
        return Command.of("ip", "-batch", "-").withStdin(String.join("\n", lines) + "\n");
    }

    private static Command tapOf(String tap) {
        return batch("tuntap add dev " + tap + " mode tap vnet_hdr user " + OWNER, "link set dev " + tap + " alias qvm:" + tap);
    }

    private static Command addressAndUp(String tap, String address) {
        return batch("addr add " + address + " dev " + tap, "link set dev " + tap + " up");
    }

    /** What ip shows of a link, without what differs between two links (name, index, MAC, counters). */
    private JsonNode shown(String tap) throws IOException {
        JsonNode link = JSON.readTree(namespace.run("ip", "-j", "-d", "address", "show", "dev", tap).stdout()).get(0);
        com.fasterxml.jackson.databind.node.ObjectNode kept = JSON.createObjectNode();
        kept.set("flags", link.get("flags"));
        kept.set("operstate", link.get("operstate"));
        kept.set("mtu", link.get("mtu"));
        kept.set("linkinfo", link.get("linkinfo"));
        kept.put("ifalias", link.path("ifalias").asText().replace(tap, "TAP"));
        com.fasterxml.jackson.databind.node.ArrayNode addresses = JSON.createArrayNode();
        link.get("addr_info").forEach(address -> addresses.add(address.path("family").asText() + " "
                + address.path("local").asText() + "/" + address.path("prefixlen").asInt() + " " + address.path("scope").asText()));
        kept.set("addresses", addresses);
        return kept;
    }

    @Test
    void aTapMadeInTheProcessIsTheTapIpMakes() throws IOException {
        assertEquals(List.of("available", "done", "done"),
                inNamespace(tapOf("qvm-ours"), addressAndUp("qvm-ours", "10.137.0.0/31")));
        new ProcessRunner().check(Command.of("ip", "netns", "exec", namespace.name(), "ip", "-batch", "-")
                .withStdin(tapOf("qvm-ips").stdin().orElseThrow()));
        new ProcessRunner().check(Command.of("ip", "netns", "exec", namespace.name(), "ip", "-batch", "-")
                .withStdin(addressAndUp("qvm-ips", "10.137.0.2/31").stdin().orElseThrow()));
        JsonNode ours = shown("qvm-ours");
        assertEquals(shown("qvm-ips").toString(), ours.toString().replace("10.137.0.0", "10.137.0.2"));
        assertEquals(OWNER, ours.path("linkinfo").path("info_data").path("user").asText(), ours.toString());
        assertTrue(ours.path("linkinfo").path("info_data").path("vnet_hdr").asBoolean(), ours.toString());
        assertTrue(ours.path("linkinfo").path("info_data").path("persist").asBoolean(), ours.toString());

        assertEquals(List.of("available", "done"), inNamespace(Command.of("ip", "link", "del", "dev", "qvm-ours")));
        assertFalse(namespace.run("ip", "-j", "link", "show").stdout().contains("qvm-ours"));
    }

    @Test
    void theInProcessListingIsWhatTheProbeReadsFromIp() {
        NetworkNamespace other = NetworkNamespace.create("rtnl-peer");
        try {
            namespace.link("up0", "192.0.2.2/24", other, "inet0", "192.0.2.1/24");
            namespace.run("ip", "addr", "add", "198.51.100.7/32", "dev", "up0");
            namespace.run("ip", "link", "set", "dev", "up0", "alias", "the uplink");
            namespace.run("ip", "tuntap", "add", "dev", "qvm-a", "mode", "tap", "vnet_hdr", "user", OWNER);
            namespace.run("ip", "tuntap", "add", "dev", "qvm-b", "mode", "tap", "multi_queue");
            namespace.run("ip", "tuntap", "add", "dev", "tun-c", "mode", "tun");
            namespace.run("ip", "addr", "add", "10.137.0.4/31", "dev", "qvm-a");
            List<String> lines = inNamespace();
            assertEquals("available", lines.get(0));
            String byIp = NetworkProbe.parseLinks(namespace.run("ip", "-j", "-d", "address", "show").stdout()).toString();
            assertEquals(byIp, lines.get(1));
            assertTrue(byIp.contains("qvm-b") && byIp.contains("198.51.100.7/32") && byIp.contains("the uplink"), byIp);
        } finally {
            other.close();
        }
    }

    @Test
    void aFailureIsIpsFailure() {
        namespace.run("ip", "tuntap", "add", "dev", "qvm-there", "mode", "tap");
        namespace.run("ip", "addr", "add", "10.137.0.6/31", "dev", "qvm-there");
        List<Command> failing = List.of(tapOf("qvm-there"), Command.of("ip", "link", "del", "dev", "qvm-nosuch"),
                Command.of("ip", "addr", "add", "10.137.0.6/31", "dev", "qvm-there"),
                Command.of("ip", "addr", "del", "10.137.0.8/31", "dev", "qvm-there"));
        for (Command command : failing) {
            List<String> lines = inNamespace(command);
            Command there = Command.of(prefixed(command));
            CommandResult ip = new ProcessRunner().run(command.stdin().map(there::withStdin).orElse(there));
            assertEquals("failed", lines.get(1), command.renderWithInput() + ": " + lines);
            assertTrue(ip.exitStatus() != 0, ip.toString());
            assertEquals(ip.stderr().strip().lines().findFirst().orElseThrow(), lines.get(2),
                    "the same first line as ip's error for " + command.renderWithInput());
        }
        assertEquals(List.of("available", "done"), inNamespace(Command.of("ip", "addr", "del", "10.137.0.6/31", "dev", "qvm-there")));
        assertFalse(namespace.run("ip", "-j", "addr", "show", "dev", "qvm-there").stdout().contains("10.137.0.6"));
    }

    private List<String> prefixed(Command command) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace.name()));
        argv.addAll(command.argv());
        return argv;
    }

    /**
     * What the test runs inside its namespace: each pair of arguments an ip command (argv joined by
     * tabs) and its input, done in this process and reported as "done", or "failed" and the first
     * line of the error; with no arguments, the in-process listing of the links.
     */
    public static final class InNamespace {
        public static void main(String[] args) throws IOException {
            System.out.println(Rtnetlink.available() ? "available" : "not available");
            if (args.length == 0) {
                System.out.println(Rtnetlink.links());
            }
            for (int i = 0; i + 1 < args.length; i += 2) {
                Command command = Command.of(List.of(args[i].split("\t")));
                if (!args[i + 1].isEmpty()) {
                    command = command.withStdin(args[i + 1]);
                }
                try {
                    new InProcessIp(command).perform();
                    System.out.println("done");
                } catch (IOException e) {
                    System.out.println("failed");
                    System.out.println(e.getMessage().lines().findFirst().orElse(""));
                }
            }
            System.out.flush();
        }
    }
}
