package org.qvm.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.hypervisor.Hypervisor;
import org.qvm.network.VmNetwork;
import org.qvm.plan.CheckedPlan;
import org.qvm.qemu.QemuHost;
import org.qvm.qemu.Virtiofsd;
import org.qvm.storage.VmStorage;
import org.qvm.testsupport.Examples;

/**
 * From a VM's configuration to its hypervisor's command line: every example VM on crosvm (checked
 * against what crosvm run really accepts), and the same VMs on qemu.
 */
class LaunchCommandLineTest {
    static final QemuHost NO_KVM = new QemuHost(false, false, false,
            Optional.of(new Virtiofsd(Path.of("/usr/lib/qemu/virtiofsd"), Virtiofsd.Flavour.C)));

    @TempDir
    Path dir;

    private StartPlan planOf(Configuration config, String name, Hypervisor hypervisor) {
        Vm vm = config.require(name);
        Path privateVolume = VmStorage.poolFor(config.host(), null).path(name);
        return StartPlanner.plan(config.host(), vm, hypervisor, privateVolume,
                new VmNetwork(config.host(), null).kernelParameter(vm),
                Map.of("XDG_RUNTIME_DIR", "/run/user/1000", "WAYLAND_DISPLAY", "wayland-1"),
                CheckedPlan.NOTHING, CheckedPlan.NOTHING);
    }

    private List<String> crosvmArgvOf(Configuration config, String name) {
        return planOf(config, name, Hypervisors.configured(config.host(), config.require(name))).launch();
    }

    @Test
    void everyExampleVmsArgvUsesOnlyCurrentFlagsAndEachOneShotOptionOnce() {
        Configuration config = new ConfigLoader().load(Examples.copyTo(dir), ConfigLoader.Recording.NEVER);
        org.qvm.crosvm.CrosvmFlags flags = org.qvm.crosvm.CrosvmFlags.load();
        for (String name : Examples.VM_NAMES) {
            List<String> argv = crosvmArgvOf(config, name);
            assertEquals(List.of("crosvm", "--extended-status", "run"), argv.subList(0, 3));
            assertEquals(List.of(), flags.problems(argv.subList(3, argv.size())), name + ": " + argv);
            for (String argument : argv.subList(3, argv.size())) {
                if (argument.startsWith("--")) {
                    assertTrue(flags.accepts(argument) && !flags.isDeprecated(argument), argument);
                }
            }
        }
    }

    @Test
    void shoppingsCrosvmCommandLineInFull() {
        Configuration config = new ConfigLoader().load(Examples.copyTo(dir), ConfigLoader.Recording.NEVER);
        Path run = dir.resolve("run/shopping");
        assertEquals(List.of("crosvm", "--extended-status", "run",
                "--name", "shopping",
                "--mem", "2048",
                "--cpus", "2",
                "--params", "qvm.name=shopping qvm.agent=vsock:5000 qvm.rpc=vsock:5001 qvm.shares=share ip=10.0.0.7::10.0.0.6:255.255.255.254::eth0:off:9.9.9.9",
                "--block", "path=/var/lib/qvm/rootfs.squashfs,ro,root,id=root",
                "--block", "path=/dev/qubes/qvm-shopping-private,id=private",
                "--net", "tap-name=qvm-shopping,mac=02:71:6d:00:00:07",
                "--shared-dir", "/home/user/share/shopping:share:type=fs",
                "--wayland-sock", run.resolve("wayland-0").toString(),
                "--vsock", "cid=7",
                "--socket", run.resolve("crosvm.sock").toString(),
                "--serial", "type=file,path=" + run.resolve("console.pipe") + ",console",
                "/var/lib/qvm/vmlinux"), crosvmArgvOf(config, "shopping"));
        List<String> personal = crosvmArgvOf(config, "personal");
        assertTrue(personal.stream().noneMatch(arg -> arg.equals("--net")), "personal has no network: " + personal);
        List<String> untrusted = crosvmArgvOf(config, "untrusted");
        assertTrue(untrusted.contains(dir.resolve("run/untrusted/shares/outbox") + ":outbox:type=fs"),
                "a read-only share is given to crosvm as its read-only bind mount: " + untrusted);
    }

    @Test
    void aWaylandVmGetsItsOwnProxyNeverTheCompositorsSocket() {
        Configuration config = new ConfigLoader().load(Examples.copyTo(dir), ConfigLoader.Recording.NEVER);
        StartPlan plan = planOf(config, "shopping", Hypervisors.configured(config.host(), config.require("shopping")));
        Path run = dir.resolve("run/shopping");
        org.qvm.hypervisor.Companion proxy = plan.companions().get(0);
        assertEquals("the Wayland proxy", proxy.what());
        List<String> argv = proxy.command().argv();
        assertEquals(List.of(org.qvm.wayland.ProxyMain.class.getName(), "shopping", run.resolve("wayland-0").toString(),
                "/run/user/1000/wayland-1", run.resolve("clipboard.sock").toString()), argv.subList(argv.size() - 5, argv.size()),
                "the proxy relays to the compositor: " + argv);
        assertEquals(run.resolve("wayland-0"), proxy.readyWhen(), "the VM runs once the proxy listens");
        assertFalse(proxy.readyBeforeLaunch(), "crosvm's virtio-wl connects when the guest opens a context: the proxy's JVM "
                + "starts beside crosvm, while the guest boots");
        assertTrue(plan.launch().stream().noneMatch(arg -> arg.contains("/run/user/1000")), "crosvm never sees the compositor: "
                + plan.launch());
        assertTrue(plan.asCheckedPlan().plan().render().stream().anyMatch(line -> line.contains(org.qvm.wayland.ProxyMain.class.getName())),
                "--dry-run shows how the proxy starts");
        StartPlan personal = planOf(config, "personal", Hypervisors.configured(config.host(), config.require("personal")));
        assertTrue(personal.companions().stream().noneMatch(companion -> companion.what().contains("Wayland")) == !config
                .require("personal").definition().wayland());
    }

    @Test
    void withWaypipeTheWindowsComeByTheGuestChannelToAWaypipeClientOfTheDesktopUser() throws Exception {
        Path config = Examples.copyTo(dir);
        Files.writeString(dir.resolve("vms/shopping.toml"), Files.readString(dir.resolve("vms/shopping.toml"))
                .replaceAll("(?m)^wayland = .*$", "wayland = true\nwayland-transport = \"waypipe\""));
        Configuration configuration = new ConfigLoader().load(config, ConfigLoader.Recording.NEVER);
        StartPlan plan = planOf(configuration, "shopping", Hypervisors.configured(configuration.host(), configuration.require("shopping")));
        Path desktop = dir.resolve("run/desktop/shopping");
        assertTrue(plan.launch().stream().noneMatch(arg -> arg.equals("--wayland-sock")), "crosvm forwards nothing: " + plan.launch());
        assertTrue(String.join(" ", plan.launch()).contains("qvm.wayland=vsock:5002"), "the guest learns where: " + plan.launch());
        org.qvm.hypervisor.Companion proxy = plan.companions().get(0);
        assertEquals(desktop.resolve("wayland-0"), proxy.readyWhen(), "the proxy listens in the desktop user's directory");
        org.qvm.hypervisor.Companion waypipe = plan.companions().get(1);
        List<String> argv = waypipe.command().argv();
        assertEquals(List.of("waypipe", "--no-gpu", "--socket", desktop + "/./waypipe.sock", "client"),
                argv.subList(argv.size() - 5, argv.size()), argv.toString());
        assertTrue(argv.contains("XDG_RUNTIME_DIR=" + desktop) && argv.contains("WAYLAND_DISPLAY=wayland-0"), argv.toString());
        List<String> runtime = plan.runtime().render();
        assertTrue(runtime.contains("mkdir -m 0700 " + desktop) && runtime.contains("mkdir -p -m 0711 " + desktop.getParent()),
                runtime.toString());
    }

    @Test
    void extraArgumentsComeLastBeforeTheKernelHostsFirst() throws Exception {
        Path config = Examples.copyTo(dir);
        Files.writeString(config, Files.readString(config).replace("extra-args = []", "extra-args = [\"--disable-sandbox\"]"));
        Files.writeString(dir.resolve("vms/dev.toml"), Files.readString(dir.resolve("vms/dev.toml"))
                + "\n[crosvm]\nextra-args = [\"--no-balloon\"]\n");
        List<String> argv = crosvmArgvOf(new ConfigLoader().load(config, ConfigLoader.Recording.NEVER), "dev");
        assertEquals(List.of("--disable-sandbox", "--no-balloon", "/var/lib/qvm/vmlinux"), argv.subList(argv.size() - 3, argv.size()));
    }

    /** The examples with untrusted on qemu (and without Wayland, which qemu cannot forward). */
    private Configuration onQemu(String transport) throws Exception {
        Path config = Examples.copyTo(dir);
        Files.writeString(config, Files.readString(config).replaceAll("(?m)^transport = .*$", "transport = \"" + transport + "\"")
                .replaceAll("(?m)^extra-args = \\[\\]( *# appended to every qemu command line.*)$", "extra-args = [\"-rtc\", \"base=utc\"]$1"));
        Path untrusted = dir.resolve("vms/untrusted.toml");
        Files.writeString(untrusted, "hypervisor = \"qemu\"\n" + Files.readString(untrusted).replaceAll("(?m)^wayland = .*$", "")
                + "\n[qemu]\nextra-args = [\"-snapshot\"]\n");
        if (transport.equals("tcp")) {
            // Over TCP only VMs with network have an agent.
            Path personal = dir.resolve("vms/personal.toml");
            Files.writeString(personal, "agent = \"none\"\n" + Files.readString(personal));
        }
        return new ConfigLoader().load(config, ConfigLoader.Recording.NEVER);
    }

    @Test
    void untrustedsQemuCommandLineInFull() throws Exception {
        Configuration config = onQemu("tcp");
        Hypervisor qemu = Hypervisors.qemu(config.host().qemu(), NO_KVM);
        StartPlan plan = planOf(config, "untrusted", qemu);
        Path run = dir.resolve("run/untrusted");
        Vm vm = config.require("untrusted");
        String link = vm.link().orElseThrow().guest() + "::" + vm.link().orElseThrow().host();
        assertEquals(List.of("qemu-system-x86_64", "-name", "untrusted,debug-threads=on",
                "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-m", "2048M", "-smp", "2",
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-kernel", "/var/lib/qvm/vmlinux",
                "-append", "console=ttyS0 root=/dev/vda ro qvm.name=untrusted qvm.agent=tcp:5000 qvm.rpc=tcp:5001 qvm.shares=outbox:ro ip=" + link
                        + ":255.255.255.254::eth0:off:9.9.9.9",
                "-drive", "file=/var/lib/qvm/rootfs.squashfs,if=none,id=root,format=raw,readonly=on",
                "-device", "virtio-blk-pci,drive=root,serial=root",
                "-drive", "file=/dev/qubes/qvm-untrusted-private,if=none,id=private,format=raw",
                "-device", "virtio-blk-pci,drive=private,serial=private",
                "-netdev", "tap,id=net0,ifname=qvm-untrusted,script=no,downscript=no,vhost=off",
                "-device", "virtio-net-pci,netdev=net0,romfile=,mac=" + org.qvm.hypervisor.LaunchSpec.macFor(vm.cid()),
                "-object", "memory-backend-memfd,id=mem,size=2048M,share=on", "-numa", "node,memdev=mem",
                "-chardev", "socket,id=fs0,path=" + run.resolve("fs0.sock"),
                "-device", "vhost-user-fs-pci,chardev=fs0,tag=outbox",
                "-chardev", "file,id=console,path=" + run.resolve("console.pipe"), "-serial", "chardev:console",
                "-qmp", "unix:" + run.resolve("qmp.sock") + ",server=on,wait=off",
                "-rtc", "base=utc", "-snapshot"), plan.launch());
        assertEquals(List.of(), plan.launchProblems().stream().filter(p -> !p.contains("does not exist")).toList());
        assertEquals(1, plan.companions().size());
        assertEquals(List.of("/usr/lib/qemu/virtiofsd", "--socket-path=" + run.resolve("fs0.sock"),
                "-o", "source=" + run.resolve("shares/outbox"), "-o", "cache=auto"), plan.companions().get(0).command().argv(),
                "the read-only share is served from its read-only bind mount");
        assertEquals(List.of("untrusted runs under TCG emulation, many times slower than KVM: /dev/kvm cannot be used here "
                + "(set [qemu] accel = \"tcg\" to say that this is meant)"), plan.warnings());
        List<String> printed = plan.asCheckedPlan().plan().render();
        assertTrue(printed.get(printed.size() - 2).startsWith("/usr/lib/qemu/virtiofsd "), "dry run: " + printed);
        assertTrue(printed.get(printed.size() - 1).startsWith("qemu-system-x86_64 -name untrusted"), "dry run: " + printed);
    }

    @Test
    void withKvmAndVsockDevicesQemuUsesThem() throws Exception {
        Configuration config = onQemu("vsock");
        QemuHost kvm = new QemuHost(true, true, true, Optional.empty());
        StartPlan plan = planOf(config, "untrusted", Hypervisors.qemu(config.host().qemu(), kvm));
        String argv = String.join(" ", plan.launch());
        assertTrue(argv.contains("-accel kvm -cpu host"), argv);
        assertTrue(argv.contains("-device vhost-vsock-pci,guest-cid=" + config.require("untrusted").cid()), argv);
        assertTrue(argv.contains(",vhost=on"), argv);
        assertEquals(List.of(), plan.warnings());
        assertEquals(List.of("untrusted has shares, which qemu serves with virtiofsd, and none is installed (Debian 13: "
                + "package virtiofsd; Debian 12: /usr/lib/qemu/virtiofsd in qemu-system-common)"),
                plan.launchProblems().stream().filter(p -> !p.contains("does not exist")).toList());
    }

    @Test
    void whatQemuLacksHereStopsTheStartWithTheReason() throws Exception {
        Configuration config = onQemu("vsock");
        StartPlan plan = planOf(config, "untrusted", Hypervisors.qemu(config.host().qemu(), NO_KVM));
        assertEquals(List.of("untrusted's agent is reached over vsock, which qemu has only with /dev/vhost-vsock "
                + "(modprobe vhost_vsock); or set [guest] transport = \"tcp\""),
                plan.launchProblems().stream().filter(p -> !p.contains("does not exist")).toList());
        Path host = dir.resolve("qvm.toml");
        Files.writeString(host, Files.readString(host).replace("accel = \"auto\"", "accel = \"kvm\""));
        StartPlan forced = planOf(new ConfigLoader().load(host, ConfigLoader.Recording.NEVER), "untrusted",
                Hypervisors.qemu(new ConfigLoader().load(host, ConfigLoader.Recording.NEVER).host().qemu(), NO_KVM));
        assertTrue(forced.launchProblems().contains("[qemu] accel = \"kvm\", but /dev/kvm cannot be used here (no KVM, or "
                + "no access to it); accel = \"tcg\" works without it, slowly"), forced.launchProblems().toString());
    }

    @Test
    void qemuIsControlledOverQmp() {
        Hypervisor qemu = Hypervisors.qemu(new org.qvm.config.HostConfig.Qemu("qemu-system-x86_64",
                org.qvm.config.HostConfig.Accel.TCG, List.of()), NO_KVM);
        Path socket = Path.of("/run/qvm/dev/qmp.sock");
        assertEquals("# QMP on /run/qvm/dev/qmp.sock: {\"execute\": \"system_powerdown\"}", qemu.powerButton(socket).render());
        assertEquals("# QMP on /run/qvm/dev/qmp.sock: {\"execute\": \"stop\"}", qemu.pause(socket).render());
        assertEquals("# QMP on /run/qvm/dev/qmp.sock: {\"execute\": \"cont\"}", qemu.resume(socket).render());
        assertEquals("# QMP on /run/qvm/dev/qmp.sock: {\"execute\": \"quit\"}", qemu.stop(socket).render());
    }
}
