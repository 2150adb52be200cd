package org.qvm.plan;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the suite starts external programs, built on commons-exec: the argument
 * list is passed to the kernel as it is (no shell, no quoting, no variable expansion), standard
 * input is closed unless the command brings text for it, both outputs are captured up to a bound,
 * and a command that outlives its timeout is killed.
 */
public final class ProcessRunner implements CommandRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRunner.class);
    /** Enough for any JSON report of ip, nft or lvs; more than that is not something we asked for. */
    static final int OUTPUT_LIMIT = 16 * 1024 * 1024;
    /** The shell's status for "command not found", used for a program that cannot be found at all. */
    static final int NOT_FOUND = 127;
    /** How long setsid may take to fork and return. */
    private static final java.time.Duration DETACH_LIMIT = java.time.Duration.ofSeconds(10);

    private final List<String> prefix;
    /** The environment commands start with (before a command's own variables); null: this JVM's. */
    private final Map<String, String> environment;
    /** Whether {@link #detach} spawns the process itself ({@link PosixSpawn}) where it can, or always runs setsid. */
    private final boolean spawnsItself;

    public ProcessRunner() {
        this(List.of());
    }

    /**
     * A runner whose commands start with {@code environment} instead of this JVM's: the tool
     * server runs each tool with its client's environment.
     */
    public ProcessRunner(Map<String, String> environment) {
        this(List.of(), environment);
    }

    /**
     * A runner that puts {@code prefix} before every command, for example
     * {@code ip netns exec NAME} so that a test's commands run inside its own network namespace.
     */
    public ProcessRunner(List<String> prefix) {
        this(prefix, null);
    }

    private ProcessRunner(List<String> prefix, Map<String, String> environment) {
        this(prefix, environment, true);
    }

    private ProcessRunner(List<String> prefix, Map<String, String> environment, boolean spawnsItself) {
        this.prefix = List.copyOf(prefix);
        this.environment = environment == null ? null : Map.copyOf(environment);
        this.spawnsItself = spawnsItself;
    }

    /** A runner whose {@link #detach} always goes through {@code setsid --fork}, as where posix_spawn is missing. */
    static ProcessRunner detachingWithSetsid() {
        return new ProcessRunner(List.of(), null, false);
    }

    /** Without a prefix its commands run in this process's namespaces: a local action may be done here. */
    @Override
    public boolean runsHere() {
        return prefix.isEmpty();
    }

    @Override
    public CommandResult run(Command command) {
        List<String> argv = prefix.isEmpty() ? command.argv()
                : java.util.stream.Stream.concat(prefix.stream(), command.argv().stream()).toList();
        CommandLine line = new CommandLine(argv.get(0));
        argv.subList(1, argv.size()).forEach(argument -> line.addArgument(argument, false));

        BoundedBuffer stdout = new BoundedBuffer(OUTPUT_LIMIT);
        BoundedBuffer stderr = new BoundedBuffer(OUTPUT_LIMIT);
        ByteArrayInputStream stdin = command.stdin()
                .map(text -> new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))
                .orElse(null);
        ExecuteWatchdog watchdog = ExecuteWatchdog.builder().setTimeout(command.timeout()).get();
        DefaultExecutor executor = new VerbatimExecutor(onOurPath(argv));
        executor.setStreamHandler(new PumpStreamHandler(stdout, stderr, stdin));
        executor.setWatchdog(watchdog);
        executor.setExitValues(null);

        LOG.debug("running: {}", command.render());
        int status;
        try {
            status = executor.execute(line, environmentFor(command));
        } catch (ExecuteException e) {
            status = e.getExitValue();
        } catch (IOException e) {
            throw cannotStart(command, e);
        }
        if (watchdog.killedProcess()) {
            throw new CommandFailedException(command, -1,
                    "killed after its timeout of " + command.timeout().toMillis() + " ms", stderr.text());
        }
        LOG.debug("exit status {}: {}", status, command.program());
        return new CommandResult(command, status, stdout.text(), stderr.text());
    }

    /**
     * Runs {@code setsid COMMAND}: setsid makes the new session and then executes the command in
     * the same process (Java's child is never a process group leader, so setsid need not fork),
     * so the process we hold is the command itself.
     */
    @Override
    public Process launch(Command command, java.nio.file.Path output) {
        try {
            return startInOwnSession(command, List.of("setsid"), output);
        } catch (IOException e) {
            throw cannotStart(command, e);
        }
    }

    @Override
    public java.util.OptionalLong detach(Command command, java.nio.file.Path output) {
        if (spawnsItself && PosixSpawn.available()) {
            List<String> argv = new java.util.ArrayList<>(prefix);
            argv.addAll(command.argv());
            LOG.debug("launching: {}", command.render());
            try {
                Map<String, String> itsEnvironment = environmentFor(command);
                return java.util.OptionalLong.of(PosixSpawn.start(onPath(argv, itsEnvironment), itsEnvironment, output));
            } catch (IOException e) {
                throw cannotStart(command, e);
            }
        }
        Process setsid;
        try {
            setsid = startInOwnSession(command, List.of("setsid", "--fork"), output);
        } catch (IOException e) {
            throw cannotStart(command, e);
        }
        // setsid forks and returns at once; the command goes on in the child, which is not ours.
        try {
            if (!setsid.waitFor(DETACH_LIMIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                setsid.destroyForcibly();
                throw new CommandFailedException(command, -1, "setsid did not return within " + DETACH_LIMIT.toSeconds() + " s", "");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailedException(command, -1, "interrupted while starting it", "");
        }
        if (setsid.exitValue() != 0) {
            throw new CommandFailedException(command, setsid.exitValue(), "setsid could not start it (see " + output + ")", "");
        }
        return java.util.OptionalLong.empty();
    }

    private Process startInOwnSession(Command command, List<String> setsid, java.nio.file.Path output) throws IOException {
        List<String> argv = new java.util.ArrayList<>(prefix);
        argv.addAll(setsid);
        argv.addAll(command.argv());
        argv = onOurPath(argv);
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectErrorStream(true);
        if (environment != null) {
            builder.environment().clear();
            builder.environment().putAll(environment);
        }
        builder.environment().putAll(command.environment());
        LOG.debug("launching: {}", command.render());
        return builder.start();
    }

    /**
     * commons-exec's CommandLine trims every argument, so {@code " x "} would arrive as
     * {@code "x"}. This executor keeps commons-exec's watchdog, stream pumping and exit handling
     * but starts the process from the exact argument list.
     */
    private static final class VerbatimExecutor extends DefaultExecutor {
        private final List<String> argv;

        @SuppressWarnings("deprecation")
        VerbatimExecutor(List<String> argv) {
            super();
            this.argv = List.copyOf(argv);
        }

        @Override
        protected Process launch(CommandLine trimmed, Map<String, String> environment, java.io.File directory)
                throws IOException {
            return start(environment, directory == null ? null : directory.toPath());
        }

        @Override
        protected Process launch(CommandLine trimmed, Map<String, String> environment, java.nio.file.Path directory)
                throws IOException {
            return start(environment, directory);
        }

        private Process start(Map<String, String> environment, java.nio.file.Path directory) throws IOException {
            ProcessBuilder builder = new ProcessBuilder(argv);
            if (environment != null) {
                builder.environment().clear();
                builder.environment().putAll(environment);
            }
            if (directory != null) {
                builder.directory(directory.toFile());
            }
            return builder.start();
        }
    }

    /**
     * With an environment of its own, a program named without a directory is looked up on that
     * environment's PATH: Java itself would search this JVM's (a tool server's, not its client's).
     * One not found there is left as it is, so that the error is the usual one.
     */
    private List<String> onOurPath(List<String> argv) {
        return environment == null ? argv : onPath(argv, environment);
    }

    /** The program named without a directory looked up on {@code environment}'s PATH; as it is if not found there. */
    private static List<String> onPath(List<String> argv, Map<String, String> environment) {
        String program = argv.get(0);
        if (program.contains("/")) {
            return argv;
        }
        for (String directory : environment.getOrDefault("PATH", "").split(":")) {
            java.nio.file.Path candidate = java.nio.file.Path.of(directory.isEmpty() ? "." : directory, program);
            if (java.nio.file.Files.isRegularFile(candidate) && java.nio.file.Files.isExecutable(candidate)) {
                List<String> resolved = new java.util.ArrayList<>(argv);
                resolved.set(0, candidate.toString());
                return resolved;
            }
        }
        return argv;
    }

    private Map<String, String> environmentFor(Command command) {
        Map<String, String> merged = new HashMap<>(environment == null ? System.getenv() : environment);
        merged.putAll(command.environment());
        return merged;
    }

    /** Why the program could not be started at all; a program that is not there gets the shell's 127. */
    private static CommandFailedException cannotStart(Command command, IOException e) {
        String message = String.valueOf(e.getMessage());
        String program = "cannot run '" + command.program() + "': ";
        if (message.contains("error=2,")) {
            return new CommandFailedException(command, NOT_FOUND, program + "not found (is it installed and on PATH?)", "");
        }
        String reason = message.contains("error=13,") ? "permission denied" : message;
        return new CommandFailedException(command, -1, program + reason, "");
    }
}
