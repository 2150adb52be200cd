package org.qvm.qemu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What this host offers qemu, looked at once per start: whether KVM can be used, whether vsock
 * and vhost-net have their kernel devices, and which virtiofsd is installed.
 */
public record QemuHost(boolean kvm, boolean vhostVsock, boolean vhostNet, Optional<Virtiofsd> virtiofsd) {
    /** Where Debian installs virtiofsd: its own package (the Rust one, Debian 13), else qemu's (the C one, Debian 12). */
    static final List<Virtiofsd> VIRTIOFSD = List.of(
            new Virtiofsd(Path.of("/usr/libexec/virtiofsd"), Virtiofsd.Flavour.RUST),
            new Virtiofsd(Path.of("/usr/lib/qemu/virtiofsd"), Virtiofsd.Flavour.C));

    /** This host, as the devices and files are now. */
    public static QemuHost probe() {
        return new QemuHost(usable(Path.of("/dev/kvm")), usable(Path.of("/dev/vhost-vsock")),
                usable(Path.of("/dev/vhost-net")),
                VIRTIOFSD.stream().filter(candidate -> Files.isExecutable(candidate.binary())).findFirst());
    }

    private static boolean usable(Path device) {
        return Files.isReadable(device) && Files.isWritable(device);
    }
}
