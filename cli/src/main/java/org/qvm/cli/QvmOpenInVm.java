package org.qvm.cli;

import java.io.IOException;
import java.util.List;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.guest.client.GuestException;
import org.qvm.guest.filecopy.FileCopyPacker;
import org.qvm.lifecycle.Lifecycle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** qvm-open-in-vm: open a host file or a URL in a VM. */
@Command(name = "qvm-open-in-vm", header = "open a file or a URL in a VM", sortOptions = false, description = {
        "Open a URL (http, https or ftp) in a VM's browser, or a file in the VM's application for it (its xdg-open). "
                + "The file is copied into the VM's ~/QubesIncoming/host/opened-DATE-TIME/ first; what is changed there "
                + "stays there. A halted VM is started first. Inside a VM, the command of the same name asks the host, "
                + "whose policy decides."})
class QvmOpenInVm extends Tool {
    @Option(names = "--view-only", description = "Accepted for Qubes' sake: nothing opened in a VM ever comes back.")
    boolean viewOnly;

    @Parameters(index = "0", paramLabel = "VMNAME", description = "The VM to open it in.")
    String vmName;

    @Parameters(index = "1", paramLabel = "FILE|URL", description = "A file, or a URL (scheme://...).")
    String what;

    @Override
    Arguments arguments() {
        return Arguments.VM_THEN_FILES;
    }

    @Override
    List<String[]> examples() {
        return List.of(
                new String[] {"qvm-open-in-vm untrusted https://example.org/", "the link opens in untrusted's browser"},
                new String[] {"qvm-open-in-vm untrusted ~/Downloads/attachment.pdf", "the PDF opens in untrusted's viewer"});
    }

    @Override
    public Integer call() throws IOException {
        Configuration configuration = loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
        Vm vm = configuration.require(vmName);
        Openable openable = Openable.of(what);
        Lifecycle lifecycle = runningWithAgent(configuration, vm, "opens files and URLs");
        try {
            if (openable.url().isPresent()) {
                lifecycle.guestClient(vm).openUrl(openable.url().get());
                return 0;
            }
            FileCopyPacker.Outcome outcome = lifecycle.guestClient(vm).openFile(openable.file(), done -> { }, "");
            outcome.problem(vm.name()).ifPresent(problem -> {
                throw new IllegalStateException(problem);
            });
            return 0;
        } catch (GuestException e) {
            throw new IllegalStateException(vm.name() + ": " + e.getMessage(), e);
        } catch (FileCopyPacker.SourceException e) {
            throw new IllegalStateException(e.getMessage() + "; nothing was opened in " + vm.name(), e);
        }
    }
}
