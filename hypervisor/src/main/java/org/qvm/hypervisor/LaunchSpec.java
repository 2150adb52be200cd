package org.qvm.hypervisor;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything one VM's launch is made from, resolved and the same whatever runs it: paths, devices
 * and parameters come from the VM's configuration and from what storage, network and the runtime
 * directory provide. Each {@link Hypervisor} turns it into its own command line.
 *
 * @param kernelParams the kernel command line: the guest's parameters (qvm.*), the VM's own, and the network's ip=
 * @param tap          the tap device, for a VM with network
 * @param shares       the directories to share with virtio-fs (a read-only share is a read-only bind
 *                     mount in the runtime directory)
 * @param wayland      the host compositor socket, for a VM with wayland = true
 * @param vsockNeeded  whether the host reaches the guest's agent over vsock (so the VM must have it)
 * @param runtimeDir   the VM's runtime directory, for sockets a hypervisor needs beside its control socket
 * @param controlSocket the hypervisor's control socket in the runtime directory
 * @param console      where the serial console goes (a FIFO that the console log's keeper reads)
 * @param extraArgs    the VM's own extra arguments for its hypervisor
 */
public record LaunchSpec(String name, Path kernel, Optional<Path> initrd, int memoryMib, int cpus, String kernelParams,
                         Path rootImage, Path privateVolume, Optional<String> tap, Optional<String> mac,
                         List<SharedDir> shares, Optional<Path> wayland, long cid, boolean vsockNeeded, Path runtimeDir,
                         Path controlSocket, Path console, List<String> extraArgs) {

    public LaunchSpec {
        shares = List.copyOf(shares);
        extraArgs = List.copyOf(extraArgs);
    }

    /**
     * A locally administered MAC address derived from the VM's CID, so that a VM keeps its MAC
     * (and the guest its interface identity) from start to start, whatever runs it.
     */
    public static String macFor(long cid) {
        return String.format("02:71:6d:%02x:%02x:%02x", (cid >> 16) & 0xff, (cid >> 8) & 0xff, cid & 0xff);
    }

    /** A directory shared with virtio-fs under a tag. */
    public record SharedDir(Path source, String tag) {
    }
}
