package org.qvm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.guest.client.GuestException;
import org.qvm.guest.filecopy.FileCopyPacker;
import org.qvm.guest.files.Errno;
import org.qvm.guest.protocol.OpenableUrl;
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
        boolean url = OpenableUrl.looksLikeUrl(what);
        FileCopyPacker.Manifest manifest = null;
        if (url) {
            Optional<String> problem = OpenableUrl.problem(what);
            if (problem.isPresent()) {
                throw new UsageException(problem.get());
            }
        } else {
            Path file = Path.of(what);
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new UsageException(what + " is not a regular file (a file or a URL is opened, one at a time)");
            }
            manifest = FileCopyPacker.scan(List.of(file), false);
        }
        Lifecycle lifecycle = runningWithAgent(configuration, vm, "opens files and URLs");
        try {
            if (url) {
                lifecycle.guestClient(vm).openUrl(what);
                return 0;
            }
            FileCopyPacker.Outcome outcome = lifecycle.guestClient(vm).openFile(manifest, done -> { }, "");
            if (!outcome.result().succeeded()) {
                throw new IllegalStateException("copying to " + vm.name() + " failed: " + Errno.describe(outcome.result().errno()));
            }
            if (!outcome.verified()) {
                throw new IllegalStateException("the file arrived damaged in " + vm.name() + " (CRC mismatch)");
            }
            return 0;
        } catch (GuestException e) {
            throw new IllegalStateException(vm.name() + ": " + e.getMessage(), e);
        } catch (FileCopyPacker.SourceException e) {
            throw new IllegalStateException(e.getMessage() + "; nothing was opened in " + vm.name(), e);
        }
    }
}
