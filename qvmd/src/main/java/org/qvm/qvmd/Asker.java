package org.qvm.qvmd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.qvm.config.Policy;
import org.qvm.plan.Command;
import org.qvm.plan.CommandFailedException;
import org.qvm.plan.CommandResult;
import org.qvm.plan.CommandRunner;

/**
 * Asks the desktop user about a guest's call with the configured dialog ({@code [policy]
 * ask-command}), run as {@code ask-command... SOURCE SERVICE TARGET...} with the candidate targets,
 * the suggested one first: it prints the chosen target and exits 0; anything else is no. One
 * question per calling VM at a time: a VM that asks again while its question is open is refused
 * at once, so no VM can flood the desktop with dialogs.
 */
final class Asker {
    /** A question nobody answers is no after this long. */
    static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final CommandRunner runner;
    private final Set<String> asking = ConcurrentHashMap.newKeySet();

    Asker(CommandRunner runner) {
        this.runner = runner;
    }

    /** What the user said: the target, or why not. */
    record Answer(Optional<String> target, String why) {
    }

    Answer ask(List<String> askCommand, String source, String service, Policy.Ask question) {
        if (!asking.add(source)) {
            return new Answer(Optional.empty(), "a question for " + source + " is open already");
        }
        try {
            List<String> candidates = new ArrayList<>();
            question.defaultTarget().ifPresent(candidates::add);
            question.candidates().stream().filter(vm -> !candidates.contains(vm)).forEach(candidates::add);
            List<String> argv = new ArrayList<>(askCommand);
            argv.add(source);
            argv.add(service);
            argv.addAll(candidates);
            CommandResult result;
            try {
                result = runner.run(Command.of(argv).withTimeout(TIMEOUT));
            } catch (CommandFailedException e) {
                return new Answer(Optional.empty(), "the question could not be asked: " + e.getMessage());
            }
            String chosen = result.stdout().strip();
            if (result.exitStatus() != 0) {
                return new Answer(Optional.empty(), "the user said no");
            }
            if (!question.candidates().contains(chosen)) {
                return new Answer(Optional.empty(), "the dialog answered '" + chosen + "', which is not one of "
                        + String.join(", ", question.candidates()));
            }
            return new Answer(Optional.of(chosen), "the user chose " + chosen);
        } finally {
            asking.remove(source);
        }
    }
}
