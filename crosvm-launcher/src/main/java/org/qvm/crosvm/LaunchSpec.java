package org.qvm.crosvm;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything the crosvm command line of one VM is made from, resolved: paths, devices and
 * parameters come from the VM's configuration and from what storage, network and the runtime
 * directory provide.
 *
 * @param kernelParams the whole kernel command line (the VM's parameters and the network's ip=)
 * @param tap          the tap device, for a VM with network
 * @param shares       the directories to share, as crosvm should open them (a read-only share is
 *                     a read-only bind mount in the runtime directory)
 * @param wayland      the host compositor socket, for a VM with wayland = true
 * @param console      where crosvm writes the serial console (a FIFO that the console log reads)
 */
public record LaunchSpec(String binary, List<String> hostExtraArgs, List<String> vmExtraArgs, String name,
                         Path kernel, Optional<Path> initrd, int memoryMib, int cpus, String kernelParams,
                         Path rootImage, Path privateVolume, Optional<String> tap, Optional<String> mac,
                         List<SharedDir> shares, Optional<Path> wayland, long cid, Path controlSocket,
                         Path console) {

    public LaunchSpec {
        hostExtraArgs = List.copyOf(hostExtraArgs);
        vmExtraArgs = List.copyOf(vmExtraArgs);
        shares = List.copyOf(shares);
    }

    /** A directory crosvm shares with virtio-fs under a tag. */
    public record SharedDir(Path source, String tag) {
    }
}
