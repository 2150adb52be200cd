package org.qvm.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A process told apart from any later process that gets the same PID: its PID, its start time
 * (in clock ticks since boot, field 22 of /proc/PID/stat) and the boot it started in.
 */
public record ProcessIdentity(long pid, long startTime, String bootId) {
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    /** The identity of a running process, or empty if there is none with that PID. */
    public static Optional<ProcessIdentity> of(long pid) {
        return stat(pid).filter(stat -> !stat.zombie()).map(stat -> new ProcessIdentity(pid, stat.startTime(), currentBootId()));
    }

    /**
     * The running session leader whose command line holds these arguments one after the other:
     * how a detached crosvm is found where its PID was not handed to us (started by setsid --fork), also
     * again when the qvm-start that launched it died before recording it. Leading its session
     * tells it apart from a copy of it forked on the way (a script's subshell has its command line
     * too, but not its session).
     */
    public static Optional<ProcessIdentity> sessionLeaderWithArguments(List<String> consecutive) {
        return sessionLeaderWhere(arguments -> Collections.indexOfSubList(arguments, consecutive) >= 0);
    }

    /**
     * As {@link #sessionLeaderWithArguments}, where each of {@code consecutive} need only be
     * contained in its argument: for a program that rewrites its arguments in place (waypipe
     * splits its socket's path at the last '/').
     */
    public static Optional<ProcessIdentity> sessionLeaderWithArgumentsContaining(List<String> consecutive) {
        return sessionLeaderWhere(arguments -> holds(arguments, consecutive));
    }

    /** The first running session leader whose arguments pass {@code test}. */
    private static Optional<ProcessIdentity> sessionLeaderWhere(java.util.function.Predicate<List<String>> test) {
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            return processes.map(path -> path.getFileName().toString()).filter(name -> name.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong).filter(pid -> test.test(arguments(pid)))
                    .filter(pid -> stat(pid).filter(stat -> stat.session() == pid && !stat.zombie()).isPresent())
                    .map(ProcessIdentity::of).flatMap(Optional::stream).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean holds(List<String> arguments, List<String> consecutive) {
        for (int start = 0; start + consecutive.size() <= arguments.size(); start++) {
            boolean all = true;
            for (int i = 0; i < consecutive.size() && all; i++) {
                all = arguments.get(start + i).contains(consecutive.get(i));
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every session leader with an argument that contains {@code fragment} (a VM's runtime
     * directory, say): what was started detached for a VM and may still run.
     */
    public static List<ProcessIdentity> sessionLeadersMentioning(String fragment) {
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            return processes.map(path -> path.getFileName().toString()).filter(name -> name.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong).filter(pid -> arguments(pid).stream().anyMatch(argument -> argument.contains(fragment)))
                    .filter(pid -> stat(pid).filter(stat -> stat.session() == pid && !stat.zombie()).isPresent())
                    .map(ProcessIdentity::of).flatMap(Optional::stream).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<String> arguments(long pid) {
        try {
            String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
            return List.of(cmdline.split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Whether this very process is still running (not exited, not a zombie, not replaced by another). */
    public boolean isAlive() {
        return bootId.equals(currentBootId()) && stat(pid).filter(stat -> !stat.zombie() && stat.startTime() == startTime).isPresent();
    }

    /** Sends SIGTERM, if this very process still runs (never to a later process with its PID). */
    public void terminate() {
        if (isAlive()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
    }

    /** Sends SIGKILL, if this very process still runs (never to a later process with its PID). */
    public void kill() {
        if (isAlive()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private record Stat(long startTime, long session, boolean zombie) {
    }

    private static Optional<Stat> stat(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may hold spaces; count after its end.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(new Stat(Long.parseLong(fields[19]), Long.parseLong(fields[3]),
                    fields[0].equals("Z") || fields[0].equals("X")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The boot this process runs in: it cannot change while the process runs, so it is read once. */
    static String currentBootId() {
        return ThisBoot.ID;
    }

    private static final class ThisBoot {
        static final String ID = read();

        private static String read() {
            try {
                return Files.readString(BOOT_ID).strip();
            } catch (IOException e) {
                return "unknown";
            }
        }
    }
}
