package org.qvm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.Examples;

/** The policy for guests' calls: first match wins, default deny, never itself, and its file's errors. */
class PolicyTest {
    static final List<String> VMS = List.of("banking", "dev", "personal", "untrusted");

    @TempDir
    Path dir;
    ConfigFixture fixture;
    Path policyFile;

    @BeforeEach
    void setUp() {
        fixture = new ConfigFixture(dir);
        policyFile = dir.resolve("policy.toml");
        fixture.host("""
                state-dir = "%s"
                data-dir = "%s"
                [policy]
                file = "policy.toml"
                ask-command = ["/usr/local/bin/my-dialog", "--big"]
                """.formatted(dir.resolve("run"), dir.resolve("lib")));
        for (String vm : VMS) {
            fixture.vm(vm, "");
        }
    }

    private Policy load(String text) throws Exception {
        Files.writeString(policyFile, text);
        return new ConfigLoader().loadPolicy(fixture.load());
    }

    private List<String> errors(String text) throws Exception {
        Files.writeString(policyFile, text);
        Configuration config = fixture.load();
        return assertThrows(ConfigException.class, () -> new ConfigLoader().loadPolicy(config)).diagnostics().stream()
                .map(Diagnostic::toString).toList();
    }

    @Test
    void theFirstMatchingRuleDecidesAndNothingMatchedIsDenied() throws Exception {
        Policy policy = load("""
                [[rule]]
                service = "*"
                source = "banking"
                target = "*"
                action = "deny"

                [[rule]]
                service = "qubes.Filecopy"
                source = "dev"
                target = "untrusted"
                action = "allow"

                [[rule]]
                service = "qubes.Filecopy"
                source = "*"
                target = "*"
                action = "ask"
                default-target = "personal"
                """);
        assertEquals(new Policy.Allow("untrusted", "rule at " + policyFile + ":7"),
                policy.decide("qubes.Filecopy", "dev", "untrusted", VMS));
        assertTrue(policy.decide("qubes.Filecopy", "banking", "untrusted", VMS) instanceof Policy.Deny);
        assertEquals(new Policy.Ask(List.of("personal"), Optional.of("personal"), "rule at " + policyFile + ":13"),
                policy.decide("qubes.Filecopy", "dev", "personal", VMS));
        Policy.Decision asked = policy.decide("qubes.Filecopy", "dev", Policy.ASK_ME, VMS);
        assertEquals(new Policy.Ask(List.of("banking", "personal", "untrusted"), Optional.of("personal"),
                "rule at " + policyFile + ":13"), asked, "every VM but the caller that no rule denies");
        assertEquals(new Policy.Deny("qubes.OpenURL from dev to personal is not allowed by the policy",
                "no rule matched (default deny)"), policy.decide("qubes.OpenURL", "dev", "personal", VMS));
    }

    @Test
    void aVmNeverCallsItselfNorAVmThatDoesNotExist() throws Exception {
        Policy policy = load("[[rule]]\nservice = \"*\"\nsource = \"*\"\ntarget = \"*\"\naction = \"allow\"\n");
        assertEquals(new Policy.Deny("a VM cannot call itself", "source is target"),
                policy.decide("qubes.Filecopy", "dev", "dev", VMS));
        assertEquals(new Policy.Deny("the host is never a target", "the host is no VM"),
                policy.decide("qubes.Filecopy", "dev", "dom0", VMS), "nor the host, which is no VM");
        assertEquals(new Policy.Deny("the host is never a target", "the host is no VM"),
                policy.decide("qubes.Filecopy", "dev", "host", VMS));
        assertTrue(policy.decide("qubes.Filecopy", "dev", Policy.ASK_ME, VMS) instanceof Policy.Deny,
                "allow for @default without a default-target cannot pick one");
    }

    @Test
    void theCandidatesLeaveOutWhatALaterRuleDenies() throws Exception {
        Policy policy = load("""
                [[rule]]
                service = "qubes.Filecopy"
                source = "*"
                target = "banking"
                action = "deny"

                [[rule]]
                service = "qubes.Filecopy"
                source = "dev"
                target = "@default"
                action = "ask"

                [[rule]]
                service = "qubes.Filecopy"
                source = "*"
                target = "personal"
                action = "allow"
                """);
        assertEquals(new Policy.Ask(List.of("personal"), Optional.empty(), "rule at " + policyFile + ":7"),
                policy.decide("qubes.Filecopy", "dev", Policy.ASK_ME, VMS));
        assertTrue(policy.decide("qubes.Filecopy", "untrusted", Policy.ASK_ME, VMS) instanceof Policy.Deny);
    }

    @Test
    void withoutAFileTheBuiltInPolicyAsksForCopiesAndOpeningAndDeniesTheRest() throws Exception {
        Policy builtIn = new ConfigLoader().loadPolicy(fixture.load());
        assertEquals(Policy.builtIn(), builtIn);
        assertEquals(List.of("dev", "personal", "untrusted"),
                ((Policy.Ask) builtIn.decide("qubes.Filecopy", "banking", Policy.ASK_ME, VMS)).candidates());
        assertTrue(builtIn.decide("qubes.OpenURL", "dev", "untrusted", VMS) instanceof Policy.Ask);
        assertTrue(builtIn.decide("qubes.VMShell", "dev", "untrusted", VMS) instanceof Policy.Deny);
        assertEquals(new HostConfig.PolicySettings(policyFile, List.of("/usr/local/bin/my-dialog", "--big")),
                fixture.load().host().policy());
        assertEquals(5001, fixture.load().host().guest().rpcPort());
    }

    @Test
    void aNewDisposableIsATargetOfItsOwnThatRulesNameByTemplateOrAsAny() throws Exception {
        Files.writeString(policyFile, """
                [[rule]]
                service = "qubes.OpenInDVM"
                source = "banking"
                target = "@dispvm"
                action = "deny"

                [[rule]]
                service = "qubes.OpenInDVM"
                source = "dev"
                target = "@dispvm:untrusted"
                action = "allow"

                [[rule]]
                service = "qubes.OpenInDVM"
                source = "*"
                target = "*"
                action = "ask"
                """);
        Policy policy = new ConfigLoader().loadPolicy(fixture.load());
        String ofUntrusted = Policy.disposableOf("untrusted");
        assertEquals("@dispvm:untrusted", ofUntrusted);
        assertEquals(Optional.of("untrusted"), Policy.templateOfDisposable(ofUntrusted));
        assertEquals(Optional.empty(), Policy.templateOfDisposable("@dispvm:"));
        assertEquals(Optional.empty(), Policy.templateOfDisposable("untrusted"));
        assertTrue(policy.decide("qubes.OpenInDVM", "banking", ofUntrusted, VMS) instanceof Policy.Deny, "@dispvm matches any template");
        assertEquals(ofUntrusted, ((Policy.Allow) policy.decide("qubes.OpenInDVM", "dev", ofUntrusted, VMS)).target());
        assertEquals(List.of("@dispvm:personal"),
                ((Policy.Ask) policy.decide("qubes.OpenInDVM", "dev", "@dispvm:personal", VMS)).candidates());
        Policy.Decision unknown = policy.decide("qubes.OpenInDVM", "dev", "@dispvm:nosuch", VMS);
        assertEquals("there is no VM named nosuch", ((Policy.Deny) unknown).reason());
        assertTrue(Policy.builtIn().decide("qubes.OpenInDVM", "dev", ofUntrusted, VMS) instanceof Policy.Ask,
                "asked by default");
    }

    @Test
    void theShippedPolicyIsTheBuiltInOne() throws Exception {
        Files.copy(Examples.repositoryRoot().resolve("examples/policy.toml"), policyFile);
        Policy shipped = new ConfigLoader().loadPolicy(fixture.load());
        assertEquals(Policy.builtIn().rules().stream().map(r -> List.of(r.service(), r.source(), r.target(), r.action())).toList(),
                shipped.rules().stream().map(r -> List.of(r.service(), r.source(), r.target(), r.action())).toList());
    }

    @Test
    void mistakesAreErrorsAtTheirKeys() throws Exception {
        assertEquals(List.of(
                policyFile + ":3:1: 'rule.source': there is no VM named 'untrsted' (did you mean 'untrusted'?) (this "
                        + "takes a VM or \"*\")",
                policyFile + ":4:1: 'rule.target': there is no VM named 'host' (this takes a VM, \"*\", \"@default\", "
                        + "\"@dispvm\" or \"@dispvm:TEMPLATE\")",
                policyFile + ":5:1: 'rule.action': 'maybe' is not one of \"allow\" or \"deny\" or \"ask\"",
                policyFile + ":11:1: 'rule.action' = \"allow\" for target = \"@default\" needs a default-target: the VM "
                        + "such calls go to",
                policyFile + ":13:1: a rule needs 'source'",
                policyFile + ":13:1: a rule needs 'action'",
                policyFile + ":14:1: 'rule.service': 'qubes Filecopy' is not a service name (such as qubes.Filecopy) or \"*\"",
                policyFile + ":16:1: unknown key 'rule.acton' (did you mean 'action'?)"), errors("""
                [[rule]]
                service = "*"
                source = "untrsted"
                target = "host"
                action = "maybe"

                [[rule]]
                service = "qubes.Filecopy"
                source = "dev"
                target = "@default"
                action = "allow"

                [[rule]]
                service = "qubes Filecopy"
                target = "dev"
                acton = "deny"
                """));
    }
}
