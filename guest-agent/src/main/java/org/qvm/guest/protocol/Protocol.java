package org.qvm.guest.protocol;

/**
 * The guest protocol's constants. A frame is {@code u8 type, u32 length (big-endian), payload};
 * see {@link FrameType} for the types and {@code guest-agent/PROTOCOL.md} for the whole exchange.
 */
public final class Protocol {
    public static final int VERSION = 1;
    /** Standard input and output travel in frames of at most 64 KiB. */
    public static final int MAX_DATA = 64 * 1024;
    /** An exec request (argv, environment, user, directory) is at most 1 MiB. */
    public static final int MAX_EXEC_REQUEST = 1024 * 1024;
    /** Error messages are cut at 4 KiB. */
    public static final int MAX_MESSAGE = 4096;
    public static final int MAX_ARGS = 4096;
    public static final int MAX_ENV = 4096;
    /** A guest's call (service, target, arguments) is at most 4 KiB, with at most 16 arguments. */
    public static final int MAX_CALL_REQUEST = 4096;
    public static final int MAX_CALL_ARGS = 16;

    /** Exit statuses of qvm-run for the transport itself, as in Qubes. */
    public static final int STATUS_TRANSPORT = 125;
    public static final int STATUS_REFUSED = 126;
    public static final int STATUS_NOT_FOUND = 127;

    private Protocol() {
    }
}
