package org.qvm.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The virtiofsd that serves one share to qemu over a vhost-user socket. Debian has two with
 * different options: the C one that came with qemu up to Debian 12, and the Rust one packaged on
 * its own since. Both confine themselves to the shared directory (a mount namespace and
 * pivot_root into it), so the guest reaches nothing outside it.
 */
public record Virtiofsd(Path binary, Flavour flavour) {
    public enum Flavour { C, RUST }

    /** The command that serves {@code source} on {@code socket}, in the foreground. */
    public List<String> argv(Path socket, Path source) {
        List<String> argv = new ArrayList<>(List.of(binary.toString()));
        argv.addAll(identifyingArguments(socket));
        switch (flavour) {
            case C -> argv.addAll(List.of("-o", "source=" + source, "-o", "cache=auto"));
            case RUST -> argv.addAll(List.of("--shared-dir", source.toString(), "--cache", "auto"));
        }
        return argv;
    }

    /** The arguments that name its socket: only this share's virtiofsd has them. */
    public List<String> identifyingArguments(Path socket) {
        return flavour == Flavour.C ? List.of("--socket-path=" + socket) : List.of("--socket-path", socket.toString());
    }
}
