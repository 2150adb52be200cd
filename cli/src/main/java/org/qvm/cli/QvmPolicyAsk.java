package org.qvm.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.qvm.config.ConfigException;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.plan.Command;
import org.qvm.plan.CommandFailedException;
import org.qvm.plan.CommandResult;
import org.qvm.qvmd.DesktopSession;
import org.qvm.qvmd.PolicyDialog;
import picocli.CommandLine.Parameters;

/** qvm-policy-ask: the desktop user's dialog for a guest's call (qvmd's default [policy] ask-command). */
@picocli.CommandLine.Command(name = "qvm-policy-ask", header = "ask the desktop user about a guest's call", description = {
        "Ask the desktop user, with a zenity dialog, whether the VM SOURCE may call SERVICE in TARGET: with one TARGET, "
                + "allow or deny; with several, which one (the first is picked already). Prints the chosen VM and exits 0; "
                + "exits 1 when the user denies, closes the dialog or does not answer within five minutes, or when there is "
                + "no desktop to ask on. qvmd runs it for the policy's \"ask\" ([policy] ask-command). Without a display "
                + "in its environment it asks in the Wayland session of the desktop user (the lowest uid of 1000 or more "
                + "with a Wayland socket in /run/user/UID), as that user."})
final class QvmPolicyAsk extends Tool {
    @Parameters(index = "0", paramLabel = "SOURCE", description = "The calling VM.")
    String source;

    @Parameters(index = "1", paramLabel = "SERVICE", description = "What it calls (qubes.Filecopy, qubes.OpenInVM, qubes.OpenURL, qubes.OpenInDVM).")
    String service;

    @Parameters(index = "2..*", arity = "1..*", paramLabel = "TARGET", description = "The VMs it may go to, the suggested one first "
            + "(@dispvm:TEMPLATE: a new disposable VM of TEMPLATE).")
    List<String> targets = new ArrayList<>();

    @Override
    List<String[]> examples() {
        return List.<String[]>of(new String[] {"qvm-policy-ask dev qubes.Filecopy untrusted work",
                "asks which VM dev's files go to; prints the answer"});
    }

    @Override
    public Integer call() {
        Optional<DesktopSession> session = DesktopSession.find(environment());
        if (session.isEmpty()) {
            err().println(programName() + ": error: no desktop session to ask in (no display here, no Wayland socket in "
                    + "/run/user/UID/)");
            return 1;
        }
        List<PolicyDialog.Candidate> candidates = targets.stream().map(vm -> new PolicyDialog.Candidate(vm, labelOf(vm))).toList();
        Command dialog = Command.of(session.get().wrap(PolicyDialog.zenity(source, service, candidates)))
                .withTimeout(Duration.ofSeconds(PolicyDialog.TIMEOUT_SECONDS + 10));
        CommandResult answer;
        try {
            answer = runner().run(dialog);
        } catch (CommandFailedException e) {
            err().println(programName() + ": error: " + e.getMessage());
            return 1;
        }
        Optional<String> chosen = PolicyDialog.chosen(candidates, answer.exitStatus(), answer.stdout());
        chosen.ifPresent(vm -> out().println(vm));
        return chosen.isPresent() ? 0 : 1;
    }

    private Configuration configuration;

    /** A VM's label; "?" when the configuration cannot say (the question is still asked). */
    private String labelOf(String vm) {
        try {
            if (configuration == null) {
                configuration = new ConfigLoader().load(configPath(), ConfigLoader.Recording.NEVER);
            }
            String named = org.qvm.config.Policy.templateOfDisposable(vm).orElse(vm);
            return configuration.find(named).map(found -> found.definition().label().id()).orElse("?");
        } catch (ConfigException e) {
            return "?";
        }
    }
}
