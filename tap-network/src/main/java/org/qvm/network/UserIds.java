package org.qvm.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** Compares user names and numeric uids, as {@code ip} shows a tap's owner by name when it can. */
final class UserIds {
    private static final Path PASSWD = Path.of("/etc/passwd");

    private UserIds() {
    }

    static boolean same(String a, String b) {
        return a.equals(b) || Objects.equals(uid(a), uid(b)) && uid(a).isPresent();
    }

    static Optional<String> uid(String user) {
        if (user.matches("[0-9]+")) {
            return Optional.of(user);
        }
        try {
            for (String line : Files.readAllLines(PASSWD)) {
                String[] fields = line.split(":");
                if (fields.length > 2 && fields[0].equals(user)) {
                    return Optional.of(fields[2]);
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
