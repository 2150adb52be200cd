package org.qvm.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

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

    /** Whether this very process is still running (not exited, not a zombie, not replaced by another). */
    public boolean isAlive() {
        return bootId.equals(currentBootId()) && stat(pid).filter(stat -> !stat.zombie() && stat.startTime() == startTime).isPresent();
    }

    private record Stat(long startTime, boolean zombie) {
    }

    private static Optional<Stat> stat(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may hold spaces; count after its end.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(new Stat(Long.parseLong(fields[19]), fields[0].equals("Z") || fields[0].equals("X")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static String currentBootId() {
        try {
            return Files.readString(BOOT_ID).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
