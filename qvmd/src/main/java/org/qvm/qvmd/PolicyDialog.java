package org.qvm.qvmd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The default question of {@code [policy] ask-command} ({@code qvm-policy-ask}): zenity's command
 * line for it, and what zenity's answer means. One candidate is a yes/no question; several are a
 * list to pick from, with each VM's label, the first (the policy's default target) picked already.
 * Nothing in it is markup: names are shown as they are.
 */
public final class PolicyDialog {
    /** A dialog nobody answers closes itself after this long, before qvmd stops waiting (five minutes). */
    public static final int TIMEOUT_SECONDS = 290;
    private static final Map<String, String> WHAT = Map.of(
            "qubes.Filecopy", "copy files to",
            "qubes.OpenInVM", "open a file in",
            "qubes.OpenURL", "open a URL in",
            "qubes.OpenInDVM", "open a file or a URL in");

    private PolicyDialog() {
    }

    /** A VM the user may pick, and its label (its colour, as qvm-ls shows it). */
    public record Candidate(String vm, String label) {
    }

    /** What the calling VM wants, in words: "copy files to" for qubes.Filecopy. */
    static String wants(String service) {
        return WHAT.getOrDefault(service, "call " + service + " in");
    }

    /** zenity's arguments (after "zenity") for the question. */
    public static List<String> zenity(String source, String service, List<Candidate> candidates) {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("nothing to ask: no candidate VM");
        }
        List<String> argv = new ArrayList<>(List.of("zenity", "--title", "qvm: " + source + " asks", "--timeout",
                String.valueOf(TIMEOUT_SECONDS), "--no-markup"));
        if (candidates.size() == 1) {
            Candidate only = candidates.get(0);
            argv.addAll(List.of("--question", "--text", "The VM " + source + " wants to " + wants(service) + " "
                    + described(only) + ".\n\nAllow it?", "--ok-label", "Allow", "--cancel-label", "Deny"));
            return argv;
        }
        argv.addAll(List.of("--list", "--radiolist", "--text", "The VM " + source + " wants to " + wants(service)
                + " another VM. Which one?", "--column", "", "--column", "VM", "--column", "Label", "--print-column", "2",
                "--ok-label", "Allow", "--cancel-label", "Deny", "--width", "420", "--height", "320"));
        for (int i = 0; i < candidates.size(); i++) {
            argv.addAll(List.of(i == 0 ? "TRUE" : "FALSE", candidates.get(i).vm(), candidates.get(i).label()));
        }
        return argv;
    }

    /** "the VM work (blue)", or for a new disposable ({@code @dispvm:TEMPLATE}) "a new disposable VM of dvm (red)". */
    static String described(Candidate candidate) {
        return org.qvm.config.Policy.templateOfDisposable(candidate.vm())
                .map(template -> "a new disposable VM of " + template + " (" + candidate.label() + ")")
                .orElse("the VM " + candidate.vm() + " (" + candidate.label() + ")");
    }

    /** The VM the user chose, from zenity's exit status and output; empty for no (Deny, closed, timed out). */
    public static Optional<String> chosen(List<Candidate> candidates, int exitStatus, String stdout) {
        if (exitStatus != 0) {
            return Optional.empty();
        }
        if (candidates.size() == 1) {
            return Optional.of(candidates.get(0).vm());
        }
        String picked = stdout.strip();
        return candidates.stream().map(Candidate::vm).filter(picked::equals).findFirst();
    }
}
