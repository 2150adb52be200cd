package org.qvm.lifecycle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.qvm.config.HostConfig;
import org.qvm.config.Vm;
import org.qvm.config.VmDefinition;
import org.qvm.hypervisor.Companion;
import org.qvm.hypervisor.Hypervisor;
import org.qvm.hypervisor.LaunchSpec;
import org.qvm.network.VmNetwork;
import org.qvm.plan.CheckedPlan;
import org.qvm.plan.Command;
import org.qvm.plan.JavaCommand;
import org.qvm.plan.MakeDirectory;
import org.qvm.plan.Plan;
import org.qvm.wayland.ProxyMain;

/**
 * Puts a start together from its parts: the storage and network plans (made by their modules),
 * the runtime directory's steps, and what the VM's hypervisor makes of its {@link LaunchSpec}
 * (its command line and companions), with what stands in the way of launching (missing kernel,
 * shares or compositor socket, or what the hypervisor lacks here). Pure apart from looking at files.
 */
public final class StartPlanner {
    private StartPlanner() {
    }

    public static StartPlan plan(HostConfig host, Vm vm, Hypervisor hypervisor, Path privateVolume,
                                 Optional<String> networkKernelParameter, Map<String, String> environment,
                                 CheckedPlan storage, CheckedPlan network) {
        RuntimeDir dir = RuntimeDir.of(host, vm.name());
        List<String> problems = new ArrayList<>();
        VmDefinition definition = vm.definition();
        requireFile(definition.kernel(), "the kernel", problems);
        definition.initrd().ifPresent(initrd -> requireFile(initrd, "the initrd", problems));

        Plan.Builder runtime = Plan.builder().run(new MakeDirectory(dir.dir(), "0700"))
                .run(new MakeFifo(dir.consolePipe(), "0600"));
        List<LaunchSpec.SharedDir> shares = new ArrayList<>();
        for (VmDefinition.Share share : definition.shares()) {
            if (!Files.isDirectory(share.path())) {
                problems.add("the shared directory " + share.path() + " of " + vm.name() + " does not exist");
            }
            if (share.readOnly()) {
                // virtio-fs has no read-only option: the hypervisor gets a read-only bind mount of the directory.
                Path mountPoint = dir.sharesDir().resolve(share.tag());
                runtime.run(Command.of("mkdir", "-p", mountPoint.toString()));
                runtime.run(Command.of("mount", "--bind", "-o", "ro", share.path().toString(), mountPoint.toString()),
                        Lifecycle.unmount(mountPoint));
                shares.add(new LaunchSpec.SharedDir(mountPoint, share.tag()));
            } else {
                shares.add(new LaunchSpec.SharedDir(share.path(), share.tag()));
            }
        }

        Optional<Path> compositor = definition.wayland() ? host.wayland().resolve(environment) : Optional.empty();
        List<Companion> companions = new ArrayList<>();
        if (definition.wayland()) {
            if (compositor.isEmpty()) {
                problems.add(vm.name() + " has wayland = true, but no compositor socket is known: set [wayland] socket "
                        + "in " + host.file() + " (or run with XDG_RUNTIME_DIR and WAYLAND_DISPLAY set)");
            } else if (!Files.exists(compositor.get())) {
                problems.add("the Wayland socket " + compositor.get() + " does not exist (is the compositor running?)");
            }
        }
        boolean waypipe = definition.windowsByWaypipe();
        if (compositor.isPresent()) {
            Path socket = compositor.get();
            if (waypipe) {
                // The desktop user's own directory: the proxy listens there for their waypipe client.
                ProxyMain.Owner owner = desktopUser(socket, problems);
                Path desktop = dir.desktopDir();
                runtime.run(Command.of("mkdir", "-p", "-m", "0711", desktop.getParent().toString()))
                        .run(Command.of("rm", "-rf", "--one-file-system", "--", desktop.toString()))
                        .run(Command.of("mkdir", "-m", "0700", desktop.toString()),
                                Command.of("rm", "-rf", "--one-file-system", "--", desktop.toString()))
                        .run(Command.of("chown", owner.uid() + ":" + owner.gid(), desktop.toString()));
                // Neither is the hypervisor's: they get ready while it starts.
                companions.add(waylandProxy(vm.name(), desktop.resolve("wayland-0"), socket, dir, false));
                companions.add(waypipeClient(dir, owner));
            } else {
                // crosvm's virtio-wl device connects to the proxy when the guest opens a Wayland
                // context (an application's start), not as crosvm starts (without --gpu it has no
                // display of its own): the proxy gets ready while the guest boots.
                companions.add(waylandProxy(vm.name(), dir.waylandSocket(), socket, dir, false));
            }
        }
        // The hypervisor never gets the compositor's own socket; with virtwl it gets the VM's proxy,
        // which relays what a guest may use. With waypipe it gets nothing: windows come by the guest channel.
        Optional<Path> wayland = compositor.filter(socket -> !waypipe).map(socket -> dir.waylandSocket());

        String params = String.join(" ", Stream.of(Stream.of(guestParameters(host, vm)), Stream.of(definition.kernelParams()),
                networkKernelParameter.stream()).flatMap(s -> s).filter(part -> !part.isBlank()).toList());
        Optional<String> tap = VmNetwork.tapOf(vm);
        boolean vsockNeeded = host.guest().transport() == HostConfig.GuestTransport.VSOCK
                && definition.agent() != VmDefinition.Agent.NONE;
        LaunchSpec spec = new LaunchSpec(vm.name(), definition.kernel(), definition.initrd(), definition.memoryMib(),
                definition.cpus(), params, definition.rootfs(), privateVolume, tap, tap.map(name -> LaunchSpec.macFor(vm.cid())),
                shares, wayland, vm.cid(), vsockNeeded, dir.dir(), dir.controlSocket(hypervisor), dir.consolePipe(),
                definition.hypervisor() == HostConfig.Hypervisor.QEMU ? definition.qemuExtraArgs() : definition.crosvmExtraArgs());
        problems.addAll(hypervisor.problems(spec));
        companions.addAll(hypervisor.companions(spec));
        return new StartPlan(vm.name(), hypervisor, storage, network, runtime.build(),
                ConsoleLog.commandLine(dir, environment, JavaCommand.toolsDirectory()),
                companions, hypervisor.commandLine(spec), problems,
                Hypervisors.warning(host, vm, hypervisor).stream().toList());
    }

    /** A JVM for a proxy: the full compiler (it relays every frame), a small heap. */
    static final List<String> PROXY_JVM = List.of("-Xmx24m", "-Xss256k", "-XX:+UseSerialGC", "-XX:-UsePerfData",
            "-XX:MaxMetaspaceSize=24m", "-XX:ReservedCodeCacheSize=16m");

    /**
     * The VM's Wayland proxy (wayland-proxy's {@link ProxyMain}): listens on the runtime directory's
     * {@code wayland-0}, relays to the compositor, as the user who owns the compositor's socket.
     */
    static Companion waylandProxy(String vm, Path listen, Path compositor, RuntimeDir dir, boolean hypervisorConnects) {
        List<String> arguments = List.of(vm, listen.toString(), compositor.toString(), dir.clipboardSocket().toString());
        return new Companion("the Wayland proxy", Command.of(JavaCommand.argv(PROXY_JVM, ProxyMain.class.getName(), arguments)),
                List.of(ProxyMain.class.getName(), vm, listen.toString()), listen, hypervisorConnects);
    }

    /**
     * The VM's waypipe client: listens on {@code waypipe.sock} in the desktop user's directory, where
     * qvmd hands it the streams the guest's GUI commands open, and draws through the VM's proxy. It
     * parses what the guest sends, so it runs as the desktop user, never root.
     */
    static Companion waypipeClient(RuntimeDir dir, ProxyMain.Owner owner) {
        List<String> argv = new ArrayList<>();
        if (new com.sun.security.auth.module.UnixSystem().getUid() == 0) {
            argv.addAll(List.of("setpriv", "--reuid=" + owner.uid(), "--regid=" + owner.gid(), "--clear-groups"));
        }
        // waypipe splits its socket's path at the last '/' in place: "/./" keeps the directory's
        // own '/' in its command line, where qvm finds it again (and only it).
        String socket = dir.desktopDir() + "/./" + dir.waypipeSocket().getFileName();
        argv.addAll(List.of("env", "XDG_RUNTIME_DIR=" + dir.desktopDir(), "WAYLAND_DISPLAY=wayland-0",
                "waypipe", "--no-gpu", "--socket", socket, "client"));
        return new Companion("the waypipe client", Command.of(argv), List.of("--socket", dir.desktopDir() + "/"),
                dir.waypipeSocket(), false);
    }

    /** Who owns the compositor's socket: the desktop user, whom the proxy and waypipe run as. */
    private static ProxyMain.Owner desktopUser(Path compositor, List<String> problems) {
        if (!Files.exists(compositor)) {
            return new ProxyMain.Owner(0, 0);  // Its absence is a problem already: the plan only shows.
        }
        try {
            return ProxyMain.Owner.of(compositor);
        } catch (java.io.IOException e) {
            problems.add("cannot tell who owns the Wayland socket " + compositor + ": " + e.getMessage());
            return new ProxyMain.Owner(0, 0);
        }
    }

    /**
     * What a guest of a qvm template reads from its kernel command line (guest/files/usr/local/sbin/
     * qvm-guest-setup, qvm-agent --listen cmdline, and the guest's calls to qvmd): its name, where
     * its agent listens, where it reaches qvmd (vsock to the host, which a hybrid-vsock hypervisor
     * hands to qvmd's socket; or tcp to its gateway), and its shares by tag. They come first, so that the VM's own kernel-params can override them.
     */
    static String guestParameters(HostConfig host, Vm vm) {
        String channel = host.guest().transport() == HostConfig.GuestTransport.TCP ? "tcp:" : "vsock:";
        StringBuilder params = new StringBuilder("qvm.name=").append(vm.name())
                .append(" qvm.agent=").append(channel).append(host.guest().port())
                .append(" qvm.rpc=").append(channel).append(host.guest().rpcPort());
        if (vm.definition().windowsByWaypipe()) {
            params.append(" qvm.wayland=").append(channel).append(host.guest().waylandPort());
        }
        List<VmDefinition.Share> shares = vm.definition().shares();
        if (!shares.isEmpty()) {
            params.append(" qvm.shares=").append(String.join(",", shares.stream()
                    .map(share -> share.tag() + (share.readOnly() ? ":ro" : "")).toList()));
        }
        return params.toString();
    }

    private static void requireFile(Path file, String what, List<String> problems) {
        if (!Files.isRegularFile(file)) {
            problems.add(what + " " + file + " does not exist");
        } else if (!Files.isReadable(file)) {
            problems.add(what + " " + file + " cannot be read");
        }
    }
}
