package org.qvm.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;
import org.qvm.config.HostConfig;
import org.qvm.config.Vm;
import org.qvm.crosvm.Crosvm;
import org.qvm.hypervisor.Hypervisor;
import org.qvm.qemu.Qemu;
import org.qvm.qemu.QemuHost;

/** The hypervisors this host's configuration sets up, and which one runs (or is to run) a VM. */
final class Hypervisors {
    private Hypervisors() {
    }

    /** The hypervisor the configuration gives the VM. */
    static Hypervisor configured(HostConfig host, Vm vm) {
        return of(host, vm.definition().hypervisor());
    }

    static Hypervisor of(HostConfig host, HostConfig.Hypervisor kind) {
        return switch (kind) {
            case CROSVM -> new Crosvm(host.crosvm().binary(), host.crosvm().extraArgs());
            case QEMU -> qemu(host.qemu(), QemuHost.probe());
        };
    }

    /** qemu as configured; accel = "auto" takes KVM where /dev/kvm can be used, else TCG. */
    static Qemu qemu(HostConfig.Qemu settings, QemuHost qemuHost) {
        Qemu.Accel accel = switch (settings.accel()) {
            case KVM -> Qemu.Accel.KVM;
            case TCG -> Qemu.Accel.TCG;
            case AUTO -> qemuHost.kvm() ? Qemu.Accel.KVM : Qemu.Accel.TCG;
        };
        return new Qemu(settings.binary(), accel, settings.extraArgs(), qemuHost);
    }

    /** Why the VM's start deserves a warning (qemu falling back to slow emulation), if it does. */
    static Optional<String> warning(HostConfig host, Vm vm, Hypervisor hypervisor) {
        if (hypervisor instanceof Qemu qemu && qemu.accel() == Qemu.Accel.TCG && host.qemu().accel() == HostConfig.Accel.AUTO) {
            return Optional.of(vm.name() + " runs under TCG emulation, many times slower than KVM: /dev/kvm cannot be used "
                    + "here (set [qemu] accel = \"tcg\" to say that this is meant)");
        }
        return Optional.empty();
    }

    /**
     * The hypervisor that runs the VM now: the one its start recorded in the runtime directory (the
     * configuration may have changed since), else the configured one.
     */
    static Hypervisor running(HostConfig host, Vm vm) {
        RuntimeDir dir = RuntimeDir.of(host, vm.name());
        try {
            String recorded = Files.readString(dir.hypervisorFile()).strip();
            for (HostConfig.Hypervisor kind : HostConfig.Hypervisor.values()) {
                if (kind.configName().equals(recorded)) {
                    return of(host, kind);
                }
            }
        } catch (IOException e) {
            // Not started (or by an older qvm-start): the configured one.
        }
        return configured(host, vm);
    }
}
