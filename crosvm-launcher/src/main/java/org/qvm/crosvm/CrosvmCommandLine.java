package org.qvm.crosvm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qvm.hypervisor.LaunchSpec;

/**
 * The argument list of {@code crosvm --extended-status run} for one VM: a pure function of its
 * {@link LaunchSpec} and the host's crosvm settings.
 * Only current, non-deprecated long flags, each one-shot option once, the kernel last (as
 * microvm.nix does); the user's extra arguments (host's, then the VM's) just before the kernel.
 */
public final class CrosvmCommandLine {
    private CrosvmCommandLine() {
    }

    public static List<String> build(String binary, List<String> hostExtraArgs, LaunchSpec spec) {
        // --extended-status (a global option, before "run"): crosvm's exit status tells a guest that
        // powered off (0) from one that rebooted (32), crashed (33) or panicked (34).
        List<String> argv = new ArrayList<>(List.of(binary, "--extended-status", "run"));
        argv.addAll(List.of("--name", spec.name()));
        argv.addAll(List.of("--mem", Integer.toString(spec.memoryMib())));
        argv.addAll(List.of("--cpus", Integer.toString(spec.cpus())));
        if (!spec.kernelParams().isBlank()) {
            argv.addAll(List.of("--params", spec.kernelParams().strip()));
        }
        spec.initrd().ifPresent(initrd -> argv.addAll(List.of("--initrd", initrd.toString())));
        argv.addAll(List.of("--block", "path=" + value(spec.rootImage()) + ",ro,root,id=root"));
        argv.addAll(List.of("--block", "path=" + value(spec.privateVolume()) + ",id=private"));
        spec.tap().ifPresent(tap -> argv.addAll(List.of("--net",
                "tap-name=" + tap + spec.mac().map(mac -> ",mac=" + mac).orElse(""))));
        for (LaunchSpec.SharedDir share : spec.shares()) {
            argv.addAll(List.of("--shared-dir", share.source() + ":" + share.tag() + ":type=fs"));
        }
        spec.wayland().ifPresent(socket -> argv.addAll(List.of("--wayland-sock", socket.toString())));
        argv.addAll(List.of("--vsock", "cid=" + spec.cid()));
        argv.addAll(List.of("--socket", spec.controlSocket().toString()));
        argv.addAll(List.of("--serial", "type=file,path=" + value(spec.console()) + ",console"));
        argv.addAll(hostExtraArgs);
        argv.addAll(spec.extraArgs());
        argv.add(spec.kernel().toString());
        return argv;
    }

    /**
     * A path as a value inside crosvm's key=value lists: quoted when it holds a character that
     * would end or nest the value.
     */
    static String value(Path path) {
        String text = path.toString();
        if (text.chars().noneMatch(c -> c == ',' || c == '[' || c == ']' || c == '"' || c == '\'')) {
            return text;
        }
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
