package org.qvm.plan;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An external program to run: an argument list (never a shell line), extra environment variables,
 * optional text on its standard input, and how long it may take.
 */
public record Command(List<String> argv, Map<String, String> environment, Optional<String> stdin, Duration timeout) {

    /** Long enough for any management tool on a loaded machine, short enough that a hang is noticed. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public Command {
        argv = List.copyOf(argv);
        if (argv.isEmpty() || argv.get(0).isEmpty()) {
            throw new IllegalArgumentException("a command needs a program name");
        }
        environment = Map.copyOf(environment);
        Objects.requireNonNull(stdin, "stdin");
        Objects.requireNonNull(timeout, "timeout");
    }

    public static Command of(String... argv) {
        return of(List.of(argv));
    }

    public static Command of(List<String> argv) {
        return new Command(argv, Map.of(), Optional.empty(), DEFAULT_TIMEOUT);
    }

    public Command withEnvironment(String name, String value) {
        Map<String, String> env = new TreeMap<>(environment);
        env.put(name, value);
        return new Command(argv, env, stdin, timeout);
    }

    public Command withStdin(String text) {
        return new Command(argv, environment, Optional.of(text), timeout);
    }

    public Command withTimeout(Duration limit) {
        return new Command(argv, environment, stdin, limit);
    }

    public String program() {
        return argv.get(0);
    }

    /** The command as one POSIX shell line (environment first); standard input is not shown. */
    public String render() {
        StringBuilder line = new StringBuilder();
        new TreeMap<>(environment).forEach((name, value) ->
                line.append(name).append('=').append(ShellQuote.quote(value)).append(' '));
        return line.append(ShellQuote.join(argv)).toString();
    }

    @Override
    public String toString() {
        return render();
    }
}
