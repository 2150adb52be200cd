package org.qvm.guest.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Users of the guest, from /etc/passwd. */
final class Accounts {
    private static final Path PASSWD = Path.of("/etc/passwd");

    /** One user's uid, gid and home. */
    record Account(String name, int uid, int gid, Path home) {
    }

    private Accounts() {
    }

    static Optional<Account> find(String name) {
        try {
            for (String line : Files.readAllLines(PASSWD)) {
                String[] fields = line.split(":", -1);
                if (fields.length >= 6 && fields[0].equals(name)) {
                    return Optional.of(new Account(name, Integer.parseInt(fields[2]), Integer.parseInt(fields[3]),
                            Path.of(fields[5])));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The user this process runs as. */
    static String current() {
        return System.getProperty("user.name");
    }

    /** Whether this process runs with user id 0 (from /proc/self/status, not from its user's name). */
    static boolean runningAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
