package org.qvm.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One VM as its file {@code <vm-dir>/NAME.toml} defines it, with the host's defaults filled in.
 * {@code template} names the template its kernel, initrd and root image come from, where they do
 * (its own, or the host's default one); explicit {@code kernel}, {@code initrd} and {@code rootfs}
 * win over a template.
 * {@code hypervisor} is the VM's own or the host's; {@code wayland} is true by default on crosvm and
 * false on qemu; {@code waylandTransport} says how the windows travel (the VM's
 * {@code wayland-transport}, else the host's {@code [wayland] transport}, else the hypervisor's default).
 * Its CID and address, when the file does not pin them, are allocated by {@link ConfigLoader}.
 */
public record VmDefinition(String name, Path file, Label label, int memoryMib, int cpus, boolean autostart,
                           boolean wayland, String kernelParams, Path kernel, Path rootfs, Optional<Path> initrd,
                           Optional<String> template, OptionalLong cid, Size privateSize, Network network, List<Share> shares,
                           HostConfig.Hypervisor hypervisor, List<String> crosvmExtraArgs, List<String> qemuExtraArgs,
                           Agent agent, HostConfig.WaylandTransport waylandTransport, boolean disposableTemplate,
                           Optional<String> disposableOf) {

    public VmDefinition {
        shares = List.copyOf(shares);
        crosvmExtraArgs = List.copyOf(crosvmExtraArgs);
        qemuExtraArgs = List.copyOf(qemuExtraArgs);
    }

    /** The same definition with another private volume size. */
    public VmDefinition withPrivateSize(Size size) {
        return new VmDefinition(name, file, label, memoryMib, cpus, autostart, wayland, kernelParams, kernel, rootfs,
                initrd, template, cid, size, network, shares, hypervisor, crosvmExtraArgs, qemuExtraArgs, agent, waylandTransport,
                disposableTemplate, disposableOf);
    }

    /**
     * A disposable VM made from this disposable template: the same in all but its name, its file,
     * and what only one VM may have (a pinned CID or address: it gets its own from the pools).
     */
    public VmDefinition asDisposable(String disposable, Path disposableFile) {
        return new VmDefinition(disposable, disposableFile, label, memoryMib, cpus, false, wayland, kernelParams, kernel, rootfs,
                initrd, template, OptionalLong.empty(), privateSize, new Network(network.enabled(), Optional.empty()), shares,
                hypervisor, crosvmExtraArgs, qemuExtraArgs, agent, waylandTransport, false, Optional.of(name));
    }

    /** Whether the VM's windows travel by waypipe over the guest channel (wayland on, with that transport). */
    public boolean windowsByWaypipe() {
        return wayland && waylandTransport == HostConfig.WaylandTransport.WAYPIPE;
    }

    /** Whether this is a disposable VM (made by qvm-run --dispvm, gone when its job is done). */
    public boolean disposable() {
        return disposableOf.isPresent();
    }

    /**
     * The VM's network.
     *
     * @param enabled whether it has one at all
     * @param address the guest address pinned in the file, if any
     */
    public record Network(boolean enabled, Optional<Ipv4Address> address) {
        public static final Network NONE = new Network(false, Optional.empty());
    }

    /** What answers on the guest channel. */
    public enum Agent {
        /** qvm-agent: commands with status and streams, file copy, power-off. */
        QVM,
        /**
         * The article's loop, {@code socat vsock-listen:PORT exec:dash}: qvm-run sends the command
         * line and nothing comes back but its output; no exit status, no stderr, no stdin.
         */
        SHELL,
        /** Nothing: qvm-run and qvm-copy-to-vm refuse, qvm-start waits only for crosvm. */
        NONE
    }

    /** A host directory shared into the guest with virtio-fs, mounted there by its tag. */
    public record Share(Path path, String tag, boolean readOnly) {
    }
}
