package org.qvm.guest.calls;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.qvm.guest.agent.KernelCommandLine;
import org.qvm.guest.client.GuestEndpoint;
import org.qvm.guest.transport.VsockAddress;

/**
 * Where a guest reaches the host's qvmd: {@code QVM_HOST_ADDRESS} when set ({@code unix:PATH},
 * {@code tcp:HOST:PORT} or {@code vsock:PORT}), else what qvm-start put on the kernel command line
 * ({@code qvm.rpc=vsock:PORT}, or {@code tcp:PORT} at the gateway of {@code ip=}), else vsock
 * CID 2 on port {@value #DEFAULT_PORT}.
 */
public final class HostAddress {
    public static final String ENVIRONMENT = "QVM_HOST_ADDRESS";
    public static final long DEFAULT_PORT = 5001;

    private HostAddress() {
    }

    /** Finds where the host listens (the step is put off until a command needs it). */
    public interface Finder {
        GuestEndpoint find();
    }

    /** Where this guest reaches the host, from its environment and /proc/cmdline. */
    public static GuestEndpoint ofThisGuest() {
        Optional<KernelCommandLine> commandLine;
        try {
            commandLine = Optional.of(KernelCommandLine.read(Path.of("/proc/cmdline")));
        } catch (java.io.IOException e) {
            commandLine = Optional.empty();
        }
        return resolve(System.getenv(), commandLine);
    }

    public static GuestEndpoint resolve(Map<String, String> environment, Optional<KernelCommandLine> commandLine) {
        String given = environment.get(ENVIRONMENT);
        if (given != null && !given.isEmpty()) {
            return parse(given, Optional.empty());
        }
        Optional<String> rpc = commandLine.flatMap(line -> line.value("qvm.rpc"));
        if (rpc.isPresent()) {
            return parse(rpc.get(), commandLine.flatMap(KernelCommandLine::gateway));
        }
        return new GuestEndpoint.Vsock(VsockAddress.CID_HOST, DEFAULT_PORT);
    }

    /** {@code unix:PATH}, {@code vsock:PORT}, {@code tcp:HOST:PORT}, or {@code tcp:PORT} at the gateway. */
    public static GuestEndpoint parse(String address, Optional<String> gateway) {
        try {
            if (address.startsWith("unix:") && address.length() > "unix:".length()) {
                return new GuestEndpoint.Unix(Path.of(address.substring("unix:".length())));
            }
            if (address.startsWith("vsock:")) {
                return new GuestEndpoint.Vsock(VsockAddress.CID_HOST, Long.parseLong(address.substring("vsock:".length())));
            }
            if (address.startsWith("tcp:")) {
                String rest = address.substring("tcp:".length());
                int colon = rest.lastIndexOf(':');
                if (colon > 0) {
                    return new GuestEndpoint.Tcp(rest.substring(0, colon), Long.parseLong(rest.substring(colon + 1)));
                }
                return new GuestEndpoint.Tcp(gateway.orElseThrow(() -> new IllegalArgumentException(
                        "tcp:" + rest + " needs the host's address: no gateway in the kernel's ip=")), Long.parseLong(rest));
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new IllegalArgumentException("the host's address must be unix:PATH, vsock:PORT, tcp:PORT or tcp:HOST:PORT, not "
                + address);
    }
}
