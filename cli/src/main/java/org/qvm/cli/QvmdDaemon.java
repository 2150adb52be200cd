package org.qvm.cli;

import java.util.List;
import org.qvm.qvmd.Qvmd;
import picocli.CommandLine.Command;

/** qvmd: the host's daemon for calls that guests make (qvm-copy, qvm-open-in-vm, qvm-open-in-dvm in a guest), in the foreground. */
@Command(name = "qvmd", header = "serve guests' calls under the host's policy", description = {
        "Serve the calls that guests make (qvm-copy, qvm-move, qvm-copy-to-vm, qvm-move-to-vm, qvm-open-in-vm and "
                + "qvm-open-in-dvm run inside a VM), in the foreground, as root (qvmd.service runs it). A caller is the VM whose channel the call came on, "
                + "never what it says. Each call is decided by the policy file ([policy] file, default "
                + "/etc/qvm/policy.toml; without one: ask for file copies and opening, deny the rest), read afresh for "
                + "every call; where it says ask, the [policy] ask-command asks the desktop user. A halted target is "
                + "started; qvm-open-in-dvm gets a new disposable VM, removed when its viewer exits or qvmd stops. Every call and decision is logged on standard error."})
final class QvmdDaemon extends Tool {
    @Override
    List<String[]> examples() {
        return List.<String[]>of(new String[] {"systemctl enable --now qvmd", "serve guests' calls from boot on"},
                new String[] {"qvmd", "serve them from this terminal, logging each call"});
    }

    @Override
    public Integer call() {
        try (Qvmd daemon = new Qvmd(configPath(), runner(), environment(), line -> {
            synchronized (this) {
                err().println("qvmd: " + line);
                err().flush();
            }
        })) {
            Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "qvmd-shutdown"));
            daemon.run();
        }
        return 0;
    }
}
