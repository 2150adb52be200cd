package org.qvm.guest.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What qvm-start told the guest on the kernel command line: {@code qvm.agent=vsock:PORT} or
 * {@code tcp:PORT} (where the agent listens; vsock:5000 when not said), and the kernel's own
 * {@code ip=GUEST::GATEWAY:MASK::...}, whose gateway is the host side of the VM's /31.
 */
public record KernelCommandLine(String text) {
    static final String DEFAULT_LISTEN = "vsock:5000";

    public static KernelCommandLine read(Path file) throws IOException {
        return new KernelCommandLine(Files.readString(file).strip());
    }

    /** The value of {@code key=VALUE}, the last one if given twice (as the kernel does). */
    public Optional<String> value(String key) {
        Optional<String> found = Optional.empty();
        for (String word : text.split("\\s+")) {
            if (word.startsWith(key + "=")) {
                found = Optional.of(word.substring(key.length() + 1));
            }
        }
        return found;
    }

    /** Where the agent listens. */
    String agentListen() {
        return value("qvm.agent").orElse(DEFAULT_LISTEN);
    }

    /** The gateway of {@code ip=}: the host, the only peer a TCP agent serves. */
    public Optional<String> gateway() {
        return value("ip").map(ip -> ip.split(":", -1)).filter(fields -> fields.length > 2 && !fields[2].isEmpty())
                .map(fields -> fields[2]);
    }
}
