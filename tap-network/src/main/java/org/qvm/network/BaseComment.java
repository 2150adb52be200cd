package org.qvm.network;

import java.util.Optional;

/**
 * The comment on the masquerade rule, the table's memory:
 * {@code qvm base=CHECKSUM uplink=NAME forwarding-was=0|1}. The checksum says which configuration
 * the table was built for; the uplink and its forwarding value from before the table existed are
 * what teardown restores.
 */
final class BaseComment {
    private BaseComment() {
    }

    static String format(String checksum, String uplink, String forwardingWas) {
        return "qvm base=" + checksum + " uplink=" + uplink + " forwarding-was=" + forwardingWas;
    }

    static Optional<String> checksum(String comment) {
        return field(comment, "base");
    }

    static Optional<String> uplink(String comment) {
        return field(comment, "uplink");
    }

    static Optional<String> forwardingWas(String comment) {
        return field(comment, "forwarding-was").filter(value -> value.equals("0") || value.equals("1"));
    }

    private static Optional<String> field(String comment, String name) {
        if (!comment.startsWith("qvm base=")) {
            return Optional.empty();
        }
        for (String word : comment.split(" ")) {
            if (word.startsWith(name + "=")) {
                return Optional.of(word.substring(name.length() + 1));
            }
        }
        return Optional.empty();
    }
}
