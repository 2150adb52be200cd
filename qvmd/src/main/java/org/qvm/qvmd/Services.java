package org.qvm.qvmd;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.qvm.guest.calls.GuestFileCopy;
import org.qvm.guest.calls.GuestOpenInVm;
import org.qvm.guest.protocol.FrameType;
import org.qvm.guest.protocol.OpenableUrl;

/**
 * The services qvmd offers guests, by Qubes' names, and what each asks of the target's agent: the
 * request qvmd opens there, after which it relays the caller's bytes untouched.
 */
enum Services {
    /** A file copy: qvm-copy, qvm-move, qvm-copy-to-vm and qvm-move-to-vm in a guest; no arguments. */
    FILECOPY(GuestFileCopy.SERVICE, FrameType.FILECOPY),
    /** A file to open in the target (qvm-open-in-vm VM FILE): copied there, then opened; no arguments. */
    OPEN_IN_VM(GuestOpenInVm.OPEN_FILE, FrameType.OPEN_FILE),
    /** A URL to open in the target's browser (qvm-open-in-vm VM URL): the URL is the one argument. */
    OPEN_URL(GuestOpenInVm.OPEN_URL, FrameType.OPEN_URL),
    /**
     * A file (no arguments) or a URL (the one argument) to open in a new disposable VM
     * (qvm-open-in-dvm FILE|URL), which lives until the viewer exits.
     */
    OPEN_IN_DVM(GuestOpenInVm.OPEN_IN_DVM, FrameType.OPEN_FILE_AND_WAIT);

    private final String service;
    private final FrameType request;

    Services(String service, FrameType request) {
        this.service = service;
        this.request = request;
    }

    static Optional<Services> named(String service) {
        for (Services candidate : values()) {
            if (candidate.service.equals(service)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Why a call of this service with these arguments cannot go ahead; empty when it can. Decided before anyone is asked. */
    Optional<String> problemWith(List<String> args) {
        if (this == OPEN_IN_DVM && args.size() <= 1) {
            return args.isEmpty() ? Optional.empty() : OpenableUrl.problem(args.get(0));
        }
        if (this != OPEN_URL) {
            return args.isEmpty() ? Optional.empty() : Optional.of(service + " takes no arguments"
                    + (this == OPEN_IN_DVM ? " or one, the URL" : ""));
        }
        if (args.size() != 1) {
            return Optional.of(service + " takes one argument, the URL");
        }
        return OpenableUrl.problem(args.get(0));
    }

    /** Whether the target is a new disposable VM ({@code @dispvm:TEMPLATE}) rather than a VM. */
    boolean opensDisposable() {
        return this == OPEN_IN_DVM;
    }

    /** Whether the call carries a URL, not a file-copy stream. */
    boolean carriesUrl(List<String> args) {
        return this == OPEN_URL || this == OPEN_IN_DVM && args.size() == 1;
    }

    /** The request qvmd opens at the target's agent. */
    FrameType request(List<String> args) {
        return this == OPEN_IN_DVM && carriesUrl(args) ? FrameType.OPEN_URL_AND_WAIT : request;
    }

    /** Its payload: the caller's name, so the files land in QubesIncoming/<caller>; or the URL. */
    byte[] payload(String source, List<String> args) {
        return (carriesUrl(args) ? args.get(0) : source).getBytes(StandardCharsets.UTF_8);
    }
}
