package org.qvm.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The host's settings, from {@code qvm.toml} (path in {@code QVM_CONFIG}, default
 * {@code /etc/qvm/qvm.toml}). Relative paths in the file are relative to the file's directory.
 *
 * @param file     the file these settings came from
 * @param vmDir    where the VM definitions are, one {@code NAME.toml} each
 * @param stateDir runtime state: {@code <state-dir>/<vm>/} holds the VM's sockets, console log and state
 * @param dataDir    state that outlives a reboot: the record of allocated CIDs and addresses
 * @param hypervisor what runs VMs whose file does not say
 */
public record HostConfig(Path file, Path vmDir, Path stateDir, Path dataDir, Hypervisor hypervisor, Crosvm crosvm,
                         Qemu qemu, Defaults defaults, Storage storage, Network network, Guest guest, Wayland wayland,
                         PolicySettings policy) {

    /** What runs a VM. */
    public enum Hypervisor {
        /** crosvm: virtio-fs, vsock and Wayland forwarding built in. */
        CROSVM,
        /** qemu: for hosts without crosvm, and VMs that need no Wayland forwarding. */
        QEMU;

        /** As the configuration spells it. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Where disposable VMs' definitions live while they exist ({@code NAME.toml}: disposable-of = TEMPLATE). */
    public Path disposablesDir() {
        return stateDir.resolve("disposables");
    }

    /** The runtime directory of one VM. */
    public Path runtimeDir(String vmName) {
        return stateDir.resolve(vmName);
    }

    /**
     * The lock held while a command changes one VM (starts, stops, resizes it). It sits beside the
     * runtime directory, not in it, because that directory is removed when the VM stops. A
     * disposable's is with the disposables' files. Lock files are never removed (a process may be
     * waiting on one): a name's file serves every VM of that name, and the state directory goes
     * with a reboot.
     */
    public Path vmLockFile(String vmName) {
        return VmName.isDisposable(vmName) ? disposablesDir().resolve(vmName + ".vm.lock") : stateDir.resolve(vmName + ".lock");
    }

    /**
     * How crosvm is run.
     *
     * @param binary    path or name on PATH
     * @param extraArgs appended to every VM's {@code crosvm run}
     * @param user      the user crosvm runs as; its tap devices are owned by this user
     */
    public record Crosvm(String binary, List<String> extraArgs, String user) {
        public Crosvm {
            extraArgs = List.copyOf(extraArgs);
        }
    }

    /**
     * How qemu is run.
     *
     * @param binary    path or name on PATH
     * @param accel     how it runs guest code
     * @param extraArgs appended to every qemu VM's command line
     */
    public record Qemu(String binary, Accel accel, List<String> extraArgs) {
        public Qemu {
            extraArgs = List.copyOf(extraArgs);
        }
    }

    /** qemu's accelerator. */
    public enum Accel {
        /** KVM when /dev/kvm can be used, else TCG (with a warning: it is slow). */
        AUTO,
        /** Hardware virtualisation; a start fails without /dev/kvm. */
        KVM,
        /** Emulation: works everywhere, many times slower. */
        TCG
    }

    /**
     * What every VM inherits unless its own file says otherwise. {@code kernel}, {@code rootfs} and
     * {@code initrd} are what the host file says, or, where it says nothing, its {@code template}'s.
     */
    /** @param dispvm the disposable template {@code qvm-run --dispvm} uses when none is named */
    public record Defaults(Path kernel, Path rootfs, Optional<Path> initrd, Optional<String> template, int memoryMib,
                           int cpus, String kernelParams, Size privateSize, Optional<String> dispvm) {
    }

    /** Where private volumes live. */
    public record Storage(StoragePool pool, String volumeGroup, Path dir) {
    }

    public enum StoragePool {
        /** One logical volume per VM in a volume group. */
        LVM,
        /** One sparse image file per VM in a directory, for hosts without LVM. */
        FILE
    }

    /**
     * The VMs' network.
     *
     * @param uplink the host interface VMs reach the outside through (NAT); needed once any VM has network
     * @param pool   carved into one /31 per VM
     * @param dns    name servers handed to the guests
     */
    public record Network(Optional<String> uplink, Ipv4Network pool, List<Ipv4Address> dns) {
        public Network {
            dns = List.copyOf(dns);
        }
    }

    /**
     * How the host reaches the agent in a guest.
     *
     * @param startTimeout  how long qvm-start waits for a VM to come up before it gives up and undoes the start
     * @param answerTimeout how long the host waits for each answer the guest protocol requires (and for a
     *                      file copy in progress to move on) before it gives up on a guest that stopped answering
     * @param rpcPort       where the host (qvmd) takes calls that guests make (qvm-copy in a guest)
     */
    /**
     * @param rpcPort     where qvmd takes the calls guests make
     * @param waylandPort where qvmd takes the Wayland streams (waypipe) guests open, for the VM's waypipe client
     */
    public record Guest(GuestTransport transport, long port, java.time.Duration startTimeout,
                        java.time.Duration answerTimeout, long rpcPort, long waylandPort) {
    }

    /**
     * Calls that guests make: the policy that decides them, and how the user is asked.
     *
     * @param file       the policy file; where there is none, {@link Policy#builtIn()} applies
     * @param askCommand run as {@code ask-command... SOURCE SERVICE TARGET...}: prints the chosen
     *                   target and exits 0, or exits otherwise for no
     */
    public record PolicySettings(Path file, List<String> askCommand) {
        public PolicySettings {
            askCommand = List.copyOf(askCommand);
        }
    }

    /** How a VM's windows reach the host's compositor (always through the VM's Wayland proxy). */
    public enum WaylandTransport {
        /** The hypervisor's own forwarding: crosvm's --wayland-sock (the guest brings a virtwl/cross-domain proxy). */
        VIRTWL,
        /** waypipe, over the guest channel: any hypervisor; the guest needs only waypipe (templates have it). */
        WAYPIPE;

        public static WaylandTransport defaultFor(Hypervisor hypervisor) {
            return hypervisor == Hypervisor.QEMU ? WAYPIPE : VIRTWL;
        }
    }

    public enum GuestTransport {
        /** AF_VSOCK to the guest's CID. */
        VSOCK,
        /** A hybrid-vsock UNIX socket at {@code <state-dir>/<vm>/vsock.sock} ("CONNECT port" handshake). */
        UNIX,
        /** TCP to the guest's address through the VM's tap, for hosts without vsock (every VM needs network). */
        TCP
    }

    /**
     * The host compositor socket that VMs with {@code wayland = true} forward to.
     *
     * @param socket    the socket; empty means {@code $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY} at start time
     * @param transport how a VM's windows reach it, when the VM does not say; empty: by hypervisor
     *                  ({@link WaylandTransport#defaultFor})
     */
    public record Wayland(Optional<Path> socket, Optional<WaylandTransport> transport) {

        /** The socket to use, given the environment; empty if it cannot be found out. */
        public Optional<Path> resolve(Map<String, String> environment) {
            if (socket.isPresent()) {
                return socket;
            }
            String display = environment.getOrDefault("WAYLAND_DISPLAY", "wayland-0");
            if (display.startsWith("/")) {
                return Optional.of(Path.of(display));
            }
            return Optional.ofNullable(environment.get("XDG_RUNTIME_DIR")).map(dir -> Path.of(dir, display));
        }
    }
}
