package org.qvm.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/** Readers for the kinds of value both the host file and the VM files use. */
final class Values {
    static final int MIN_MEMORY_MIB = 64;
    static final int MAX_MEMORY_MIB = 1024 * 1024;
    static final int MAX_CPUS = 256;
    private static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9_.@-]{1,15}");
    private static final Pattern USER_NAME = Pattern.compile("[a-z_][a-z0-9_-]{0,31}|[0-9]{1,10}");

    private Values() {
    }

    /** Memory: an integer number of MiB, or a size string such as "2G". */
    static Optional<Integer> memoryMib(TableReader table, String key) {
        Optional<JsonNode> node = table.raw(key);
        if (node.isEmpty()) {
            return Optional.empty();
        }
        if (node.get().isIntegralNumber()) {
            return table.integer(key, MIN_MEMORY_MIB, MAX_MEMORY_MIB).map(Long::intValue);
        }
        if (!node.get().isTextual()) {
            table.error(key, "'" + table.name(key) + "' must be a number of MiB or a size like \"2G\", not "
                    + TableReader.describe(node.get()));
            return Optional.empty();
        }
        return table.parsed(key, Size::parse).flatMap(size -> {
            if (!size.isWholeMib() || size.mib() < MIN_MEMORY_MIB || size.mib() > MAX_MEMORY_MIB) {
                table.error(key, "'" + table.name(key) + "' must be a whole number of MiB from "
                        + MIN_MEMORY_MIB + "M to 1T, not " + size);
                return Optional.empty();
            }
            return Optional.of((int) size.mib());
        });
    }

    static Optional<Integer> cpus(TableReader table, String key) {
        return table.integer(key, 1, MAX_CPUS).map(Long::intValue);
    }

    /** A path; a relative one is taken relative to the directory of the file it is written in. */
    static Optional<Path> path(TableReader table, String key) {
        return table.parsed(key, text -> {
            if (text.isEmpty()) {
                throw new IllegalArgumentException("a path cannot be empty");
            }
            return resolve(table.document().file(), text);
        });
    }

    static Path resolve(Path file, String text) {
        Path base = file.getParent() == null ? Path.of("") : file.getParent();
        return base.resolve(text).normalize();
    }

    static String interfaceName(String text) {
        if (!INTERFACE_NAME.matcher(text).matches() || text.equals(".") || text.equals("..")) {
            throw new IllegalArgumentException("'" + text + "' is not a network interface name (1-15 characters, "
                    + "no '/', ':' or spaces)");
        }
        return text;
    }

    static String userName(String text) {
        if (!USER_NAME.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a user name or numeric uid");
        }
        return text;
    }
}
