package org.qvm.crosvm;

import java.nio.file.Path;
import java.util.List;
import org.qvm.hypervisor.Companion;
import org.qvm.hypervisor.ControlCommand;
import org.qvm.hypervisor.ControlRequest;
import org.qvm.hypervisor.Hypervisor;
import org.qvm.hypervisor.LaunchSpec;

/**
 * crosvm as a hypervisor: virtio-fs, vsock and Wayland forwarding are built in, so nothing runs
 * beside it, and its own subcommands control it through its control socket.
 *
 * @param binary        the crosvm program
 * @param hostExtraArgs the host's extra arguments for every VM ([crosvm] extra-args)
 */
public record Crosvm(String binary, List<String> hostExtraArgs) implements Hypervisor {
    public Crosvm {
        hostExtraArgs = List.copyOf(hostExtraArgs);
    }

    @Override
    public String name() {
        return "crosvm";
    }

    @Override
    public List<String> problems(LaunchSpec spec) {
        if (spec.wayland().isPresent() && spec.wayland().get().toString().contains(",")) {
            return List.of("the Wayland socket path " + spec.wayland().get() + " contains ',', which crosvm cannot take");
        }
        return List.of();
    }

    @Override
    public List<String> commandLine(LaunchSpec spec) {
        return CrosvmCommandLine.build(binary, hostExtraArgs, spec);
    }

    @Override
    public List<Companion> companions(LaunchSpec spec) {
        return List.of();
    }

    @Override
    public String controlSocketName() {
        return "crosvm.sock";
    }

    @Override
    public List<String> identifyingArguments(Path controlSocket) {
        return List.of("--socket", controlSocket.toString());
    }

    @Override
    public ControlRequest powerButton(Path controlSocket) {
        return new ControlCommand(CrosvmControl.powerButton(binary, controlSocket));
    }

    @Override
    public ControlRequest pause(Path controlSocket) {
        return new ControlCommand(CrosvmControl.suspend(binary, controlSocket));
    }

    @Override
    public ControlRequest resume(Path controlSocket) {
        return new ControlCommand(CrosvmControl.resume(binary, controlSocket));
    }

    @Override
    public ControlRequest stop(Path controlSocket) {
        return new ControlCommand(CrosvmControl.stop(binary, controlSocket));
    }
}
