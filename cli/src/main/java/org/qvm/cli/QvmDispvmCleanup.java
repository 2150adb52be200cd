package org.qvm.cli;

import java.io.IOException;
import java.util.List;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.lifecycle.Disposables;
import picocli.CommandLine.Command;

/** qvm-dispvm-cleanup: remove disposable VMs whose owner is gone. */
@Command(name = "qvm-dispvm-cleanup", header = "remove disposable VMs left behind", description = {
        "Remove every disposable VM whose owner (the qvm-run --dispvm, qvm-open-in-dvm or qvmd that made it) is gone: "
                + "killed, or the host rebooted. Each is killed, and its volume, network, runtime directory and allocation "
                + "removed; so is a disposable's volume whose definition went with a reboot. Disposables in use are left "
                + "alone. qvm-autostart.service runs it at boot, and qvm-start does the same first. Prints each name removed."})
final class QvmDispvmCleanup extends Tool {
    @Override
    List<String[]> examples() {
        return List.<String[]>of(new String[] {"qvm-dispvm-cleanup", "after a crash: nothing of any disposable is left"});
    }

    @Override
    public Integer call() throws IOException {
        Configuration configuration = loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
        List<String> removed = new Disposables(configuration.host(), runner()).cleanUpAfterReboot(configuration, lifecycle(configuration));
        removed.forEach(out()::println);
        out().flush();
        // Their CIDs and addresses go back to the pools.
        loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
        return 0;
    }
}
