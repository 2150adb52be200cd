package org.qvm.guest.calls;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.qvm.guest.client.GuestException;
import org.qvm.guest.filecopy.CopyResult;
import org.qvm.guest.filecopy.FileCopyPacker;
import org.qvm.guest.files.Errno;
import org.qvm.guest.protocol.CallRequest;
import org.qvm.guest.protocol.Protocol;

/**
 * The guest's file-copy commands, as in Qubes: {@code qvm-copy FILE...} and {@code qvm-move
 * FILE...} (the user picks the VM), {@code qvm-copy-to-vm VM FILE...} and {@code qvm-move-to-vm VM
 * FILE...} (the guest suggests one; the host's policy still decides). The files go through the
 * host, which passes them on untouched, to the target's {@code ~/QubesIncoming/<this VM>/}; a
 * move removes what it sent only once the target confirmed all of it with the right CRC.
 *
 * <p>Run as {@code GuestFileCopy COMMAND-NAME ARGS...} by the wrappers in the repository's {@code guest/bin/}.
 */
public final class GuestFileCopy {
    public static final String SERVICE = "qubes.Filecopy";
    /** The target of a call that leaves the choice to the user. */
    static final String ASK_ME = "@default";
    /** A target that stops taking data for this long has failed the copy. */
    static final Duration STALL = Duration.ofSeconds(60);

    private final String program;
    private final PrintStream err;

    private GuestFileCopy(String program, PrintStream err) {
        this.program = program;
        this.err = err;
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: GuestFileCopy qvm-copy|qvm-move|qvm-copy-to-vm|qvm-move-to-vm ARGS...");
            System.exit(2);
        }
        System.exit(new GuestFileCopy(args[0], System.err).run(List.of(args).subList(1, args.length), HostAddress::ofThisGuest));
    }

    /** Runs the command; returns its exit status: 0 done, 1 failed or refused, 2 usage. */
    int run(List<String> args, HostAddress.Finder host) {
        boolean toVm = program.endsWith("-to-vm");
        boolean move = program.startsWith("qvm-move");
        boolean ignoreSymlinks = false;
        boolean progress = System.console() != null;
        List<String> rest = new ArrayList<>();
        for (String arg : args) {
            switch (arg) {
                case "--ignore-symlinks" -> ignoreSymlinks = true;
                case "--without-progress" -> progress = false;
                case "-h", "--help" -> {
                    err.println(usage(toVm));
                    return 0;
                }
                default -> {
                    if (arg.startsWith("-") && rest.isEmpty()) {
                        return usageError(toVm, "unknown option " + arg);
                    }
                    rest.add(arg);
                }
            }
        }
        if (rest.size() < (toVm ? 2 : 1)) {
            return usageError(toVm, toVm ? "a VM and at least one file are needed" : "at least one file is needed");
        }
        String target = toVm ? rest.get(0) : ASK_ME;
        List<Path> files = rest.subList(toVm ? 1 : 0, rest.size()).stream().map(Path::of).toList();
        try {
            FileCopyPacker.Manifest manifest = FileCopyPacker.scan(files, ignoreSymlinks);
            try (HostCall.Accepted call = HostCall.call(host.find(), new CallRequest(SERVICE, target, List.of()), HostCall.DECISION)) {
                call.socket().bound(org.qvm.guest.transport.GuestSocket.NO_DEADLINE, STALL);
                LongConsumer shown = progress ? new Progress(err, manifest.bytes()) : done -> { };
                long crc;
                try {
                    crc = FileCopyPacker.send(manifest, call.socket().channel(), shown);
                } catch (IOException broken) {
                    // The target may have stopped reading because it refused something: its answer says what.
                    crc = FileCopyPacker.NO_CRC;
                }
                CopyResult result = CopyResult.read(call.socket().input());
                if (progress) {
                    err.println();
                }
                if (!result.succeeded()) {
                    return fail("copying to " + call.target() + " stopped at '" + result.lastName() + "': "
                            + Errno.describe(result.errno()) + kept(move));
                }
                if (!new FileCopyPacker.Outcome(result, crc).verified()) {
                    return fail("the copy to " + call.target() + " arrived damaged (CRC mismatch)" + kept(move));
                }
                if (move) {
                    for (String notRemoved : FileCopyPacker.removeSent(manifest)) {
                        err.println(program + ": warning: copied, but not removed here: " + notRemoved);
                    }
                }
                return 0;
            }
        } catch (GuestException e) {
            return fail((e.status() == Protocol.STATUS_REFUSED ? "refused: " : "") + e.getMessage() + kept(move));
        } catch (FileCopyPacker.SourceException e) {
            return fail(e.getMessage() + "; the copy was stopped" + kept(move));
        } catch (IOException | IllegalArgumentException e) {
            return fail(e.getMessage() + kept(move));
        }
    }

    private static String kept(boolean move) {
        return move ? "; nothing was removed here" : "";
    }

    private int fail(String message) {
        err.println(program + ": error: " + message);
        return 1;
    }

    private String usage(boolean toVm) {
        return "usage: " + program + " [--without-progress] [--ignore-symlinks] " + (toVm ? "VMNAME " : "") + "FILE...";
    }

    private int usageError(boolean toVm, String message) {
        err.println(usage(toVm));
        err.println(program + ": error: " + message);
        return 2;
    }

    /** A percentage on standard error, rewritten in place (on a terminal). */
    private static final class Progress implements LongConsumer {
        private final PrintStream err;
        private final long total;
        private long shown = -1;

        Progress(PrintStream err, long total) {
            this.err = err;
            this.total = Math.max(1, total);
        }

        @Override
        public void accept(long done) {
            long percent = Math.min(100, done * 100 / total);
            if (percent != shown) {
                shown = percent;
                err.print("\rsent " + percent + "%");
                err.flush();
            }
        }
    }
}
