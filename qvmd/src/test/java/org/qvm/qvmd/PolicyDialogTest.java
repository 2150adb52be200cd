package org.qvm.qvmd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PolicyDialogTest {
    static final List<PolicyDialog.Candidate> ONE = List.of(new PolicyDialog.Candidate("untrusted", "red"));
    static final List<PolicyDialog.Candidate> TWO = List.of(new PolicyDialog.Candidate("work", "blue"),
            new PolicyDialog.Candidate("untrusted", "red"));

    @Test
    void oneTargetIsAYesOrNoQuestionWithoutMarkup() {
        List<String> argv = PolicyDialog.zenity("dev", "qubes.Filecopy", ONE);
        assertEquals("zenity", argv.get(0));
        assertTrue(argv.contains("--question") && argv.contains("--no-markup"), argv.toString());
        String text = argv.get(argv.indexOf("--text") + 1);
        assertEquals("The VM dev wants to copy files to the VM untrusted (red).\n\nAllow it?", text);
        assertEquals(String.valueOf(PolicyDialog.TIMEOUT_SECONDS), argv.get(argv.indexOf("--timeout") + 1));

        List<String> disposable = PolicyDialog.zenity("dev", "qubes.OpenInDVM", List.of(new PolicyDialog.Candidate("@dispvm:dvm", "red")));
        assertEquals("The VM dev wants to open a file or a URL in a new disposable VM of dvm (red).\n\nAllow it?",
                disposable.get(disposable.indexOf("--text") + 1));
    }

    @Test
    void severalTargetsAreAListWithLabelsAndTheFirstPicked() {
        List<String> argv = PolicyDialog.zenity("dev", "qubes.OpenURL", TWO);
        assertTrue(argv.contains("--radiolist"), argv.toString());
        assertTrue(argv.get(argv.indexOf("--text") + 1).contains("dev wants to open a URL in another VM"));
        assertEquals(List.of("TRUE", "work", "blue", "FALSE", "untrusted", "red"), argv.subList(argv.size() - 6, argv.size()));
        assertEquals("2", argv.get(argv.indexOf("--print-column") + 1));
    }

    @Test
    void theAnswerIsAVmOnlyWhenTheUserAllowedAndPickedACandidate() {
        assertEquals(Optional.of("untrusted"), PolicyDialog.chosen(ONE, 0, ""));
        assertEquals(Optional.empty(), PolicyDialog.chosen(ONE, 1, ""), "Deny");
        assertEquals(Optional.empty(), PolicyDialog.chosen(ONE, 5, ""), "timed out");
        assertEquals(Optional.of("untrusted"), PolicyDialog.chosen(TWO, 0, "untrusted\n"));
        assertEquals(Optional.empty(), PolicyDialog.chosen(TWO, 0, "\n"), "nothing picked");
        assertEquals(Optional.empty(), PolicyDialog.chosen(TWO, 0, "banking\n"), "not a candidate");
    }
}
