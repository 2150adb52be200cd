package org.qvm.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.lifecycle.RuntimeDir;
import org.qvm.wayland.proxy.ClipboardControl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * qvm-clipboard: the user passes a VM's clipboard on, as Qubes' global clipboard does. A VM's
 * selection stays within it (its Wayland proxy keeps it); {@code copy VM} takes it into qvm's
 * clipboard, {@code paste VM} gives that to a VM's selection and empties qvm's clipboard.
 */
@Command(name = "qvm-clipboard", header = "pass a VM's clipboard on", description = {
        "A selection made in a VM stays in that VM: no other VM and none of the host's applications is offered it. "
                + "copy VM takes the VM's selection (text, at most 1 MiB) into qvm's clipboard; paste VM makes it the "
                + "selection of the VM named, once (qvm's clipboard is empty afterwards, as in Qubes). --stdout and "
                + "--stdin connect it to the host's own clipboard (wl-paste, wl-copy)."},
        subcommands = {QvmClipboard.Copy.class, QvmClipboard.Paste.class, QvmClipboard.Show.class, QvmClipboard.Clear.class})
final class QvmClipboard extends Tool {
    @Override
    public Integer call() {
        throw usageError("a subcommand is needed: copy, paste, show or clear");
    }

    @Override
    List<String[]> examples() {
        return List.of(
                new String[] {"qvm-clipboard copy dev && qvm-clipboard paste untrusted", "what dev copied, pasted in untrusted"},
                new String[] {"wl-paste -n | qvm-clipboard paste work --stdin", "the host's clipboard into work's"},
                new String[] {"qvm-clipboard copy dev --stdout | wl-copy", "dev's clipboard into the host's"});
    }

    /** qvm's clipboard: {@code <state-dir>/clipboard/}, 0700, the text and the VM it came from. */
    static Path store(Configuration configuration) {
        return configuration.host().stateDir().resolve("clipboard");
    }

    static Path controlSocket(Configuration configuration, Vm vm) {
        return RuntimeDir.of(configuration.host(), vm.name()).clipboardSocket();
    }

    @Command(name = "copy", description = "Take the VM's selection into qvm's clipboard (or, with --stdout, print it).")
    static final class Copy extends Tool {
        @Parameters(index = "0", paramLabel = "VMNAME", description = "The VM whose selection to take.")
        String vmName;

        @Option(names = "--stdout", description = "Print the text instead (escape sequences filtered on a terminal).")
        boolean toStdout;

        @Override
        Arguments arguments() {
            return Arguments.VMS;
        }

        @Override
        public Integer call() throws IOException {
            Configuration configuration = loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
            Vm vm = configuration.require(vmName);
            Optional<byte[]> text = ClipboardControl.copyFrom(controlSocket(configuration, vm));
            if (text.isEmpty()) {
                throw new IllegalStateException(vm.name() + " has nothing in its clipboard");
            }
            if (toStdout) {
                OutputStream out = stdoutTerminal() ? new EscapeFilter(stdout()) : stdout();
                out.write(text.get());
                out.flush();
                return 0;
            }
            Path store = store(configuration);
            Files.createDirectories(store, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            if (Files.isSymbolicLink(store)) {
                throw new IllegalStateException(store + " is a symbolic link");
            }
            write(store, "source", vm.name().getBytes(StandardCharsets.UTF_8));
            write(store, "text", text.get());
            if (!quiet()) {
                err().println(programName() + ": " + text.get().length + " bytes from " + vm.name() + " in qvm's clipboard");
                err().flush();
            }
            return 0;
        }

        private static void write(Path store, String name, byte[] bytes) throws IOException {
            Path temporary = Files.createTempFile(store, "." + name, ".new");
            Files.write(temporary, bytes);
            Files.move(temporary, store.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Command(name = "paste", description = "Make qvm's clipboard (or, with --stdin, the text read) the VM's selection.")
    static final class Paste extends Tool {
        @Parameters(index = "0", paramLabel = "VMNAME", description = "The VM to paste into.")
        String vmName;

        @Option(names = "--stdin", description = "Paste the text on standard input (at most 1 MiB) instead.")
        boolean fromStdin;

        @Override
        Arguments arguments() {
            return Arguments.VMS;
        }

        @Override
        public Integer call() throws IOException {
            Configuration configuration = loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
            Vm vm = configuration.require(vmName);
            byte[] text;
            Path store = store(configuration);
            if (fromStdin) {
                text = System.in.readNBytes(ClipboardControl.MAX + 1);
                if (text.length > ClipboardControl.MAX) {
                    throw new UsageException("more than " + ClipboardControl.MAX + " bytes on standard input");
                }
            } else {
                Path stored = store.resolve("text");
                if (!Files.isRegularFile(stored, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IllegalStateException("qvm's clipboard is empty: qvm-clipboard copy VM first");
                }
                text = Files.readAllBytes(stored);
            }
            ClipboardControl.pasteInto(controlSocket(configuration, vm), text);
            if (!fromStdin) {
                // Once only, as in Qubes: the next paste needs a new copy.
                Files.deleteIfExists(store.resolve("text"));
                Files.deleteIfExists(store.resolve("source"));
            }
            return 0;
        }
    }

    @Command(name = "show", description = "Say what qvm's clipboard holds: how many bytes, from which VM.")
    static final class Show extends Tool {
        @Override
        public Integer call() throws IOException {
            Configuration configuration = loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
            Path store = store(configuration);
            Path text = store.resolve("text");
            if (!Files.isRegularFile(text, LinkOption.NOFOLLOW_LINKS)) {
                out().println("empty");
            } else {
                String source = Files.exists(store.resolve("source")) ? Files.readString(store.resolve("source")) : "?";
                out().println(Files.size(text) + " bytes from " + source);
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "clear", description = "Empty qvm's clipboard.")
    static final class Clear extends Tool {
        @Override
        public Integer call() throws IOException {
            Path store = store(loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE));
            Files.deleteIfExists(store.resolve("text"));
            Files.deleteIfExists(store.resolve("source"));
            return 0;
        }
    }
}
