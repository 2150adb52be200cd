package org.qvm.cli;

import java.io.IOException;
import java.util.List;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.guest.client.GuestClient;
import org.qvm.guest.client.GuestException;
import org.qvm.guest.filecopy.FileCopyPacker;
import org.qvm.lifecycle.DisposableVm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** qvm-open-in-dvm: open a host file or a URL in a new disposable VM. */
@Command(name = "qvm-open-in-dvm", header = "open a file or a URL in a new disposable VM", sortOptions = false, description = {
        "Open a file in a new disposable VM's application for it (its xdg-open), or a URL (http, https or ftp) in its "
                + "browser. The disposable is made from the disposable template (--dispvm, default [defaults] dispvm), "
                + "the file copied into its ~/QubesIncoming/host/opened-DATE-TIME/, and when the viewer exits the "
                + "disposable is removed with everything it had; nothing comes back. qvm-open-in-dvm waits until then "
                + "(Ctrl-C removes it at once). Inside a VM, the command of the same name asks the host, whose policy "
                + "decides (qubes.OpenInDVM)."})
final class QvmOpenInDvm extends Tool {
    @Option(names = "--dispvm", paramLabel = "NAME", description = "The disposable template (default: [defaults] dispvm).")
    String dispvm = "";

    @Option(names = "--view-only", description = "Accepted for Qubes' sake: nothing opened in a disposable ever comes back.")
    boolean viewOnly;

    @Parameters(index = "0", paramLabel = "FILE|URL", description = "A file, or a URL (scheme://...).")
    String what;

    @Override
    Arguments arguments() {
        return Arguments.FILES;
    }

    @Override
    List<String[]> examples() {
        return List.of(
                new String[] {"qvm-open-in-dvm ~/Downloads/invoice.pdf", "the PDF opens in a new disposable, gone when the viewer closes"},
                new String[] {"qvm-open-in-dvm https://example.org/", "the link opens in a new disposable's browser"});
    }

    @Override
    public Integer call() throws IOException {
        Configuration configuration = loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
        String template = DisposableJob.template(configuration, dispvm).name();
        Openable openable = Openable.of(what);
        return DisposableJob.run(this, template, disposable -> open(disposable, openable));
    }

    /** Starts the disposable, opens the file or URL there and waits for the viewer; its exit status is ours. */
    private int open(DisposableVm disposable, Openable openable) {
        String name = disposable.name();
        try {
            disposable.lifecycle().start(disposable.vm(), true, true);
            GuestClient guest = disposable.lifecycle().guestClient(disposable.vm());
            return openable.url().isPresent() ? guest.openUrlAndWait(openable.url().get())
                    : guest.openFileAndWait(openable.file(), done -> { }, "");
        } catch (GuestException e) {
            err().println(programName() + ": error: " + name + ": " + e.getMessage());
            err().flush();
            return e.status();
        } catch (FileCopyPacker.SourceException e) {
            throw new IllegalStateException(e.getMessage() + "; nothing was opened", e);
        }
    }
}
