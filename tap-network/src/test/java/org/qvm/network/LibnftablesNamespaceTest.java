package org.qvm.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
 * nftables' library in this process does what the nft program does: the same transactions, the
 * same errors, the same JSON. The library acts on the namespace of the process that calls it, so
 * it runs here in a JVM of its own inside a namespace this test makes ({@link InNamespace}), and
 * is compared with nft run there; nothing outside that namespace is touched.
 */
class LibnftablesNamespaceTest {
    private NetworkNamespace namespace;

    @BeforeEach
    void setUp() {
        Privileged.requireRoot("ip", "nft");
        namespace = NetworkNamespace.create("nft");
    }

    @AfterEach
    void tearDown() {
        if (namespace != null) {
            namespace.close();
        }
    }

    /** Runs {@link InNamespace} with these arguments in the test's namespace; its lines. */
    private List<String> inNamespace(String... arguments) {
        List<String> argv = new java.util.ArrayList<>(List.of("ip", "netns", "exec", namespace.name(),
                ProcessHandle.current().info().command().orElseThrow(), "-cp", System.getProperty("java.class.path"),
                InNamespace.class.getName()));
        argv.addAll(List.of(arguments));
        CommandResult result = new ProcessRunner().run(Command.of(argv).withTimeout(java.time.Duration.ofSeconds(60)));
        assertEquals(0, result.exitStatus(), result.stdout() + result.stderr());
        return result.stdout().lines().toList();
    }

    @Test
    void aTransactionTheLibraryAppliesIsTheOneNftWould() {
        Command base = NftRuleset.transaction(List.of(NftRuleset.addTable(),
                NftRuleset.nft("add", "map", "inet", "qvm", "vm_from", "{ type ifname : verdict ; }"),
                NftRuleset.nft("add", "chain", "inet", "qvm", "forward", "{ type filter hook forward priority filter ; policy accept ; }"),
                NftRuleset.nft("add", "rule", "inet", "qvm", "forward", "iifname vmap @vm_from")));
        assertEquals(List.of("available", "applied"), inNamespace("apply", base.stdin().orElseThrow()));
        String byTheLibrary = namespace.run("nft", "list", "ruleset").stdout();
        namespace.run("nft", "flush", "ruleset");
        new ProcessRunner().check(Command.of("ip", "netns", "exec", namespace.name(), "nft", "-f", "-")
                .withStdin(base.stdin().orElseThrow()));
        assertEquals(namespace.run("nft", "list", "ruleset").stdout(), byTheLibrary);
        assertTrue(byTheLibrary.contains("iifname vmap @vm_from"), byTheLibrary);
    }

    @Test
    void aBrokenTransactionChangesNothingAndFailsWithNftsError() {
        namespace.run("nft", "add", "table", "inet", "qvm");
        String before = namespace.run("nft", "list", "ruleset").stdout();
        String broken = "add chain inet qvm vm-dev-from\nadd rule inet qvm vm-nosuch-from drop\n";
        List<String> lines = inNamespace("apply", broken);
        assertEquals("failed", lines.get(1), lines.toString());
        assertTrue(lines.get(2).startsWith("Error: No such file or directory"), lines.toString());
        assertEquals(before, namespace.run("nft", "list", "ruleset").stdout(), "nothing of it was applied");
        CommandResult nft = new ProcessRunner().run(Command.of("ip", "netns", "exec", namespace.name(), "nft", "-f", "-")
                .withStdin(broken));
        assertEquals(1, nft.exitStatus());
        assertTrue(nft.stderr().lines().findFirst().orElseThrow().endsWith(": " + lines.get(2)),
                "the same error as nft's, which adds where in its input: " + nft.stderr());
    }

    @Test
    void theProbeReadsTheTableInTheProcessAsNftListsIt() {
        assertEquals(List.of("available", "no table"), inNamespace("read"));
        namespace.run("nft", "add", "table", "inet", "qvm");
        namespace.run("nft", "add", "chain", "inet", "qvm", "vm-dev-from");
        namespace.run("nft", "add", "rule", "inet", "qvm", "vm-dev-from", "drop", "comment", "\"qvm test\"");
        List<String> lines = inNamespace("read");
        assertEquals("available", lines.get(0));
        assertEquals(NetworkProbe.parseTable(
                namespace.run("nft", "-j", "list", "table", "inet", "qvm").stdout()).toString(), lines.get(1));
    }

    /** What the test runs inside its namespace: {@code apply SCRIPT} or {@code read}. */
    public static final class InNamespace {
        public static void main(String[] args) throws IOException {
            System.out.println(Libnftables.available() ? "available" : "not available");
            if (args[0].equals("apply")) {
                InProcessNft transaction = new InProcessNft(Command.of("nft", "-f", "-").withStdin(args[1]));
                try {
                    transaction.perform();
                    System.out.println("applied");
                } catch (IOException e) {
                    System.out.println("failed");
                    System.out.println(e.getMessage().lines().findFirst().orElse(""));
                }
            } else {
                ProcessRunner here = new ProcessRunner();
                System.out.println(new NetworkProbe(here).readTable().map(Object::toString).orElse("no table"));
            }
            System.out.flush();
        }
    }
}
