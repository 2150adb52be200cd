package org.qvm.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qvm.hypervisor.Companion;
import org.qvm.hypervisor.ControlRequest;
import org.qvm.hypervisor.Hypervisor;
import org.qvm.hypervisor.LaunchSpec;
import org.qvm.plan.Command;

/**
 * qemu as a hypervisor, for hosts without crosvm and VMs without Wayland forwarding: its command
 * line, a virtiofsd beside it for each share, and control over QMP on its control socket.
 *
 * @param binary        the qemu program
 * @param accel         how it runs guest code (the configuration's "auto" already decided)
 * @param hostExtraArgs the host's extra arguments for every VM ([qemu] extra-args)
 * @param host          what this host offers
 */
public record Qemu(String binary, Accel accel, List<String> hostExtraArgs, QemuHost host) implements Hypervisor {
    public Qemu {
        hostExtraArgs = List.copyOf(hostExtraArgs);
    }

    public enum Accel { KVM, TCG }

    @Override
    public String name() {
        return "qemu";
    }

    @Override
    public List<String> problems(LaunchSpec spec) {
        List<String> problems = new ArrayList<>();
        if (accel == Accel.KVM && !host.kvm()) {
            problems.add("[qemu] accel = \"kvm\", but /dev/kvm cannot be used here (no KVM, or no access to it); "
                    + "accel = \"tcg\" works without it, slowly");
        }
        if (spec.vsockNeeded() && !host.vhostVsock()) {
            problems.add(spec.name() + "'s agent is reached over vsock, which qemu has only with /dev/vhost-vsock "
                    + "(modprobe vhost_vsock); or set [guest] transport = \"tcp\"");
        }
        if (!spec.shares().isEmpty() && host.virtiofsd().isEmpty()) {
            problems.add(spec.name() + " has shares, which qemu serves with virtiofsd, and none is installed "
                    + "(Debian 13: package virtiofsd; Debian 12: /usr/lib/qemu/virtiofsd in qemu-system-common)");
        }
        if (spec.wayland().isPresent()) {
            problems.add(spec.name() + " forwards Wayland, which qemu cannot: run it with crosvm");
        }
        return problems;
    }

    @Override
    public List<String> commandLine(LaunchSpec spec) {
        return QemuCommandLine.build(this, spec);
    }

    /** One virtiofsd per share, each on its own socket in the runtime directory. */
    @Override
    public List<Companion> companions(LaunchSpec spec) {
        List<Companion> companions = new ArrayList<>();
        host.virtiofsd().ifPresent(virtiofsd -> {
            for (int i = 0; i < spec.shares().size(); i++) {
                LaunchSpec.SharedDir share = spec.shares().get(i);
                Path socket = shareSocket(spec, i);
                companions.add(new Companion("virtiofsd for the share " + share.tag(),
                        Command.of(virtiofsd.argv(socket, share.source())), virtiofsd.identifyingArguments(socket), socket));
            }
        });
        return companions;
    }

    /** The vhost-user socket of the VM's {@code index}th share (short: socket paths are limited to 107 bytes). */
    static Path shareSocket(LaunchSpec spec, int index) {
        return spec.runtimeDir().resolve("fs" + index + ".sock");
    }

    @Override
    public String controlSocketName() {
        return "qmp.sock";
    }

    @Override
    public List<String> identifyingArguments(Path controlSocket) {
        return List.of("-qmp", "unix:" + QemuCommandLine.value(controlSocket) + ",server=on,wait=off");
    }

    @Override
    public ControlRequest powerButton(Path controlSocket) {
        return new QmpRequest(controlSocket, "system_powerdown");
    }

    @Override
    public ControlRequest pause(Path controlSocket) {
        return new QmpRequest(controlSocket, "stop");
    }

    @Override
    public ControlRequest resume(Path controlSocket) {
        return new QmpRequest(controlSocket, "cont");
    }

    @Override
    public ControlRequest stop(Path controlSocket) {
        return new QmpRequest(controlSocket, "quit");
    }
}
