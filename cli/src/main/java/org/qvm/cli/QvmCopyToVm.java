package org.qvm.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.guest.client.GuestException;
import org.qvm.guest.files.Errno;
import org.qvm.guest.filecopy.FileCopyPacker;
import org.qvm.lifecycle.Lifecycle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** qvm-copy-to-vm: copy files and directories into a VM. */
@Command(name = "qvm-copy-to-vm", header = "copy files into a VM", sortOptions = false, description = {
        "Copy files and directories into a VM's ~/QubesIncoming/host/, in the Qubes file-copy format. Nothing "
                + "there is ever overwritten: a name that exists already stops the copy. A halted VM is started first."})
class QvmCopyToVm extends Tool {
    @Option(names = "--without-progress", description = "No progress bar (there is one on a terminal).")
    boolean withoutProgress;

    @Option(names = "--ignore-symlinks", description = "Leave symbolic links out (they are copied as links otherwise).")
    boolean ignoreSymlinks;

    @Parameters(index = "0", paramLabel = "VMNAME", description = "The VM to copy into.")
    String vmName;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE", description = "Files and directories to copy.")
    List<Path> files = new ArrayList<>();

    /** Whether the sources go once the copy is verified (qvm-move-to-vm). */
    boolean moves() {
        return false;
    }

    private String nothingRemoved() {
        return moves() ? "; nothing was removed here" : "";
    }

    @Override
    Arguments arguments() {
        return Arguments.VM_THEN_FILES;
    }

    @Override
    List<String[]> examples() {
        return List.of(
                new String[] {"qvm-copy-to-vm shopping ~/Downloads/invoice.pdf", "arrives as ~/QubesIncoming/host/invoice.pdf in shopping"},
                new String[] {"qvm-copy-to-vm dev ~/src/project", "a whole tree; links inside it are copied as links"});
    }

    @Override
    public Integer call() throws IOException {
        Configuration configuration = loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
        Vm vm = configuration.require(vmName);
        FileCopyPacker.Manifest manifest = FileCopyPacker.scan(files, ignoreSymlinks);
        Lifecycle lifecycle = runningWithAgent(configuration, vm, "receives files");
        ProgressBar bar = !withoutProgress && !common.quiet && stderrTerminal()
                ? new ProgressBar(err(), manifest.bytes()) : null;
        LongConsumer progress = bar == null ? done -> { } : bar;
        FileCopyPacker.Outcome outcome;
        try {
            outcome = lifecycle.guestClient(vm).copy(manifest, progress);
        } catch (GuestException e) {
            throw new IllegalStateException(vm.name() + ": " + e.getMessage() + nothingRemoved(), e);
        } catch (FileCopyPacker.SourceException e) {
            throw new IllegalStateException(e.getMessage() + "; the copy to " + vm.name() + " was stopped" + nothingRemoved(), e);
        } finally {
            if (bar != null) {
                bar.finish();
            }
        }
        if (!outcome.result().succeeded()) {
            throw new IllegalStateException("copying to " + vm.name() + " stopped at '" + outcome.result().lastName() + "': "
                    + Errno.describe(outcome.result().errno()) + nothingRemoved());
        }
        if (!outcome.verified()) {
            throw new IllegalStateException("the copy to " + vm.name() + " arrived damaged (CRC mismatch)" + nothingRemoved());
        }
        if (moves()) {
            for (String kept : FileCopyPacker.removeSent(manifest)) {
                warn("copied, but not removed here: " + kept);
            }
        }
        return 0;
    }
}
