package org.qvm.plan;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * An external program to run: an argument list (never a shell line), extra environment variables,
 * optional text on its standard input, how long it may take, and which exit statuses mean it did
 * what the plan wanted (usually only 0).
 */
public record Command(List<String> argv, Map<String, String> environment, Optional<String> stdin, Duration timeout,
                      Set<Integer> successStatuses) implements Action {

    /** Long enough for any management tool on a loaded machine, short enough that a hang is noticed. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final Set<Integer> SUCCESS = Set.of(0);

    public Command {
        argv = List.copyOf(argv);
        if (argv.isEmpty() || argv.get(0).isEmpty()) {
            throw new IllegalArgumentException("a command needs a program name");
        }
        environment = Map.copyOf(environment);
        Objects.requireNonNull(stdin, "stdin");
        Objects.requireNonNull(timeout, "timeout");
        successStatuses = Set.copyOf(successStatuses);
        if (successStatuses.isEmpty()) {
            throw new IllegalArgumentException("a command needs at least one successful exit status");
        }
    }

    public static Command of(String... argv) {
        return of(List.of(argv));
    }

    public static Command of(List<String> argv) {
        return new Command(argv, Map.of(), Optional.empty(), DEFAULT_TIMEOUT, SUCCESS);
    }

    public Command withEnvironment(String name, String value) {
        Map<String, String> env = new TreeMap<>(environment);
        env.put(name, value);
        return new Command(argv, env, stdin, timeout, successStatuses);
    }

    public Command withStdin(String text) {
        return new Command(argv, environment, Optional.of(text), timeout, successStatuses);
    }

    public Command withTimeout(Duration limit) {
        return new Command(argv, environment, stdin, limit, successStatuses);
    }

    /**
     * The same command, counted as successful when it exits with one of {@code statuses}: for a
     * check such as "blkid finds no filesystem here" (status 2), or e2fsck's "errors corrected" (1).
     */
    public Command succeedingOn(Integer... statuses) {
        return new Command(argv, environment, stdin, timeout, Set.of(statuses));
    }

    public boolean succeeded(int exitStatus) {
        return successStatuses.contains(exitStatus);
    }

    public String program() {
        return argv.get(0);
    }

    /**
     * The command as one POSIX shell line (environment first); standard input is not shown. A
     * command that must fail to succeed (a check that something is absent) is shown with '!'.
     */
    @Override
    public String render() {
        StringBuilder line = new StringBuilder(successStatuses.contains(0) ? "" : "! ");
        new TreeMap<>(environment).forEach((name, value) ->
                line.append(name).append('=').append(ShellQuote.quote(value)).append(' '));
        return line.append(ShellQuote.join(argv)).toString();
    }

    /**
     * As {@link #render()}, with the standard input, if any, shown as a shell here-document: what
     * {@code --dry-run} prints (an {@code nft -f -} transaction with its script).
     */
    @Override
    public String renderWithInput() {
        if (stdin.isEmpty()) {
            return render();
        }
        String text = stdin.get().endsWith("\n") || stdin.get().isEmpty() ? stdin.get() : stdin.get() + "\n";
        return render() + " <<'EOF'\n" + text + "EOF";
    }

    @Override
    public String toString() {
        return render();
    }
}
