package org.qvm.guest.calls;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.qvm.guest.UntrustedText;
import org.qvm.guest.client.GuestException;
import org.qvm.guest.filecopy.CopyResult;
import org.qvm.guest.filecopy.FileCopyPacker;
import org.qvm.guest.protocol.CallRequest;
import org.qvm.guest.protocol.Frame;
import org.qvm.guest.protocol.FrameReader;
import org.qvm.guest.protocol.FrameType;
import org.qvm.guest.protocol.OpenableUrl;
import org.qvm.guest.protocol.Payloads;
import org.qvm.guest.protocol.Protocol;
import org.qvm.guest.transport.GuestSocket;

/**
 * The guest's {@code qvm-open-in-vm VM FILE|URL}, as in Qubes: a URL ({@code scheme://...}) is
 * opened in the target VM's browser ({@code qubes.OpenURL}); a file is copied there and opened
 * with its xdg-open ({@code qubes.OpenInVM}). The host's policy decides, and may ask the user; the
 * changed file is not sent back (Qubes' {@code --view-only} is accepted: it is always so here).
 */
public final class GuestOpenInVm {
    public static final String OPEN_FILE = "qubes.OpenInVM";
    public static final String OPEN_URL = "qubes.OpenURL";
    /** A file or URL to open in a new disposable VM: no arguments and a file-copy stream, or the URL. */
    public static final String OPEN_IN_DVM = "qubes.OpenInDVM";
    /** The target of a call into a new disposable VM (of the host's default disposable template). */
    public static final String DISPOSABLE = "@dispvm";
    static final String PROGRAM = "qvm-open-in-vm";
    static final String USAGE = "usage: " + PROGRAM + " [--view-only] VMNAME FILE|URL";
    static final String PROGRAM_DVM = "qvm-open-in-dvm";
    static final String USAGE_DVM = "usage: " + PROGRAM_DVM + " [--view-only] FILE|URL";

    private final PrintStream err;
    /** qvm-open-in-dvm: into a new disposable VM (qubes.OpenInDVM to @dispvm), not a named one. */
    private final boolean disposable;

    GuestOpenInVm(PrintStream err) {
        this(err, false);
    }

    GuestOpenInVm(PrintStream err, boolean disposable) {
        this.err = err;
        this.disposable = disposable;
    }

    public static void main(String[] args) {
        System.exit(new GuestOpenInVm(System.err).run(List.of(args), HostAddress::ofThisGuest));
    }

    /** The guest's qvm-open-in-dvm FILE|URL: opened in a new disposable VM, which is removed when its viewer exits. */
    public static final class InDisposable {
        private InDisposable() {
        }

        public static void main(String[] args) {
            System.exit(new GuestOpenInVm(System.err, true).run(List.of(args), HostAddress::ofThisGuest));
        }
    }

    /** Runs the command; returns its exit status: 0 opened, 1 failed or refused, 2 usage. */
    int run(List<String> args, HostAddress.Finder host) {
        List<String> rest = new ArrayList<>();
        for (String arg : args) {
            switch (arg) {
                case "--view-only" -> {
                    // Nothing ever comes back: every open is view-only here.
                }
                case "-h", "--help" -> {
                    err.println(disposable ? USAGE_DVM : USAGE);
                    return 0;
                }
                default -> {
                    if (arg.startsWith("-") && rest.isEmpty()) {
                        return usageError("unknown option " + arg);
                    }
                    rest.add(arg);
                }
            }
        }
        if (disposable ? rest.size() != 1 : rest.size() != 2) {
            return usageError(disposable ? "one file or URL is needed" : "a VM and one file or URL are needed");
        }
        String target = disposable ? DISPOSABLE : rest.get(0);
        String what = rest.get(rest.size() - 1);
        try {
            return OpenableUrl.looksLikeUrl(what) ? openUrl(host, target, what) : openFile(host, target, Path.of(what));
        } catch (GuestException e) {
            return fail((e.status() == Protocol.STATUS_REFUSED ? "refused: " : "") + e.getMessage());
        } catch (FileCopyPacker.SourceException e) {
            return fail(e.getMessage());
        } catch (IOException | IllegalArgumentException e) {
            return fail(e.getMessage());
        }
    }

    private int openUrl(HostAddress.Finder host, String target, String url) throws GuestException, IOException {
        Optional<String> problem = OpenableUrl.problem(url);
        if (problem.isPresent()) {
            return fail(problem.get());
        }
        try (HostCall.Accepted call = HostCall.call(host.find(), new CallRequest(disposable ? OPEN_IN_DVM : OPEN_URL, target, List.of(url)), HostCall.DECISION)) {
            return opened(call, "the URL");
        }
    }

    private int openFile(HostAddress.Finder host, String target, Path file) throws GuestException, IOException,
            FileCopyPacker.SourceException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return fail(file + " is not a regular file (" + (disposable ? PROGRAM_DVM : PROGRAM) + " opens one file)");
        }
        FileCopyPacker.Manifest manifest = FileCopyPacker.scan(List.of(file), false);
        try (HostCall.Accepted call = HostCall.call(host.find(), new CallRequest(disposable ? OPEN_IN_DVM : OPEN_FILE, target, List.of()), HostCall.DECISION)) {
            call.socket().bound(GuestSocket.NO_DEADLINE, GuestFileCopy.STALL);
            long crc;
            try {
                crc = FileCopyPacker.send(manifest, call.socket().channel(), done -> { });
            } catch (IOException broken) {
                crc = FileCopyPacker.NO_CRC;
            }
            CopyResult result = CopyResult.read(call.socket().input());
            Optional<String> problem = new FileCopyPacker.Outcome(result, crc).problem(call.target());
            if (problem.isPresent()) {
                return fail(problem.get());
            }
            return opened(call, file.getFileName().toString());
        }
    }

    /** The target's answer to the open: STARTED, or ERROR with why. */
    private int opened(HostCall.Accepted call, String what) throws IOException {
        call.socket().bound(GuestSocket.NO_DEADLINE, GuestFileCopy.STALL);
        Frame answer = new FrameReader(call.socket().input()).expect(FrameType.STARTED, FrameType.ERROR);
        if (answer.type() == FrameType.ERROR) {
            return fail(call.target() + " could not open " + what + ": "
                    + UntrustedText.forDisplay(Payloads.error(answer.payload()).message()));
        }
        return 0;
    }

    private int fail(String message) {
        err.println((disposable ? PROGRAM_DVM : PROGRAM) + ": error: " + message);
        return 1;
    }

    private int usageError(String message) {
        err.println(disposable ? USAGE_DVM : USAGE);
        err.println((disposable ? PROGRAM_DVM : PROGRAM) + ": error: " + message);
        return 2;
    }
}
