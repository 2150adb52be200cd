package org.qvm.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qvm.hypervisor.LaunchSpec;

/**
 * The argument list of {@code qemu-system-x86_64} for one VM: a pure function of its
 * {@link LaunchSpec}, the host's qemu settings and what the host offers ({@link QemuHost}).
 *
 * <p>No defaults of qemu's own ({@code -nodefaults}: no VGA, no network card, no monitor), direct
 * kernel boot, virtio everywhere: the root image read-only and the private volume with the serial
 * {@code private} (the guest finds it by id), the tap as it is ({@code script=no}), each share
 * through its virtiofsd's socket (with the guest's memory shared, which vhost-user needs), vsock
 * when the kernel has vhost-vsock, the serial console into the FIFO the console log reads, and
 * QMP on the control socket. The user's extra arguments (host's, then the VM's) come last.
 */
public final class QemuCommandLine {
    private QemuCommandLine() {
    }

    /** What the kernel command line needs on qemu, where crosvm adds it by itself: the console and the root. */
    static final String KERNEL_PARAMS = "console=ttyS0 root=/dev/vda ro";

    public static List<String> build(Qemu qemu, LaunchSpec spec) {
        boolean kvm = qemu.accel() == Qemu.Accel.KVM;
        List<String> argv = new ArrayList<>(List.of(qemu.binary()));
        argv.addAll(List.of("-name", value(spec.name()) + ",debug-threads=on"));
        argv.addAll(List.of("-machine", "q35", "-accel", kvm ? "kvm" : "tcg", "-cpu", kvm ? "host" : "max"));
        argv.addAll(List.of("-m", spec.memoryMib() + "M", "-smp", Integer.toString(spec.cpus())));
        argv.addAll(List.of("-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"));
        argv.addAll(List.of("-kernel", spec.kernel().toString()));
        spec.initrd().ifPresent(initrd -> argv.addAll(List.of("-initrd", initrd.toString())));
        argv.addAll(List.of("-append", (KERNEL_PARAMS + " " + spec.kernelParams()).strip()));
        argv.addAll(disk("root", spec.rootImage(), true));
        argv.addAll(disk("private", spec.privateVolume(), false));
        spec.tap().ifPresent(tap -> {
            argv.addAll(List.of("-netdev", "tap,id=net0,ifname=" + value(tap) + ",script=no,downscript=no,vhost="
                    + (qemu.host().vhostNet() ? "on" : "off")));
            // romfile= : no iPXE option ROM; the kernel is booted directly.
            argv.addAll(List.of("-device", "virtio-net-pci,netdev=net0,romfile=" + spec.mac().map(mac -> ",mac=" + mac).orElse("")));
        });
        if (!spec.shares().isEmpty()) {
            // vhost-user devices reach into the guest's memory: it must be shareable with virtiofsd.
            argv.addAll(List.of("-object", "memory-backend-memfd,id=mem,size=" + spec.memoryMib() + "M,share=on",
                    "-numa", "node,memdev=mem"));
        }
        for (int i = 0; i < spec.shares().size(); i++) {
            LaunchSpec.SharedDir share = spec.shares().get(i);
            argv.addAll(List.of("-chardev", "socket,id=fs" + i + ",path=" + value(Qemu.shareSocket(spec, i)),
                    "-device", "vhost-user-fs-pci,chardev=fs" + i + ",tag=" + value(share.tag())));
        }
        if (qemu.host().vhostVsock()) {
            argv.addAll(List.of("-device", "vhost-vsock-pci,guest-cid=" + spec.cid()));
        }
        argv.addAll(List.of("-chardev", "file,id=console,path=" + value(spec.console()), "-serial", "chardev:console"));
        argv.addAll(List.of("-qmp", "unix:" + value(spec.controlSocket()) + ",server=on,wait=off"));
        argv.addAll(qemu.hostExtraArgs());
        argv.addAll(spec.extraArgs());
        return argv;
    }

    private static List<String> disk(String id, Path file, boolean readOnly) {
        return List.of("-drive", "file=" + value(file) + ",if=none,id=" + id + ",format=raw" + (readOnly ? ",readonly=on" : ""),
                "-device", "virtio-blk-pci,drive=" + id + ",serial=" + id);
    }

    /** A value inside qemu's comma-separated options: a comma in it is written twice. */
    static String value(Object value) {
        return value.toString().replace(",", ",,");
    }
}
