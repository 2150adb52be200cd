package org.qvm.guest.protocol;

/**
 * The frames of the guest protocol, version {@value Protocol#VERSION}. Each has a one-byte code and
 * a largest allowed payload; a frame of an unknown type or over its limit is a protocol error and
 * closes that connection (and nothing else).
 */
public enum FrameType {
    /** Both ways, first: u16 protocol version. */
    HELLO(1, 2),
    /** Host to agent: run a command ({@link ExecRequest}). */
    EXEC(2, Protocol.MAX_EXEC_REQUEST),
    /** Agent to host: the command runs; u32 its pid in the guest. */
    STARTED(3, 4),
    /** Host to agent: bytes for the command's standard input. */
    STDIN(4, Protocol.MAX_DATA),
    /** Host to agent: end of standard input (empty). */
    STDIN_EOF(5, 0),
    /** Agent to host: bytes the command wrote to standard output. */
    STDOUT(6, Protocol.MAX_DATA),
    /** Agent to host: bytes the command wrote to standard error. */
    STDERR(7, Protocol.MAX_DATA),
    /** Agent to host, last: i32 exit status (128 + N when killed by signal N). */
    EXIT(8, 4),
    /** Host to agent: u8 signal to send to the command's process group (INT, TERM, HUP or KILL). */
    SIGNAL(9, 1),
    /** Agent to host, last: u32 code (125 failure, 126 refused, 127 not found, or an errno), then a message. */
    ERROR(10, 4 + 2 + Protocol.MAX_MESSAGE),
    /** Host to agent: are you there? (empty) */
    PING(11, 0),
    /** Agent to host: yes (empty). */
    PONG(12, 0),
    /** Host to agent: power the guest off (empty); answered by {@link #OK}. */
    POWEROFF(13, 0),
    /** Agent to host: done (empty). */
    OK(14, 0),
    /**
     * Host to agent: a file copy follows. The payload names where it comes from, as the host
     * vouches for it (empty: the host itself; else the VM that sent it, through the host): the
     * files land in {@code QubesIncoming/<source>}. From here on both sides speak the Qubes
     * file-copy format, unframed: the host sends the stream, the agent answers with the result.
     */
    FILECOPY(15, 64),
    /**
     * Guest to host (qvmd): call a service ({@link CallRequest}); answered by {@link #ACCEPTED}
     * or {@link #ERROR}, then the service's own exchange.
     */
    CALL(16, Protocol.MAX_CALL_REQUEST),
    /** Host to guest: the call goes ahead, to the VM named in the payload (UTF-8). */
    ACCEPTED(17, 64),
    /**
     * Host to agent: a file to open follows, from the source named as in {@link #FILECOPY}. The
     * host sends a file-copy stream of one regular file and the agent answers with the copy's
     * result; when the copy succeeded, the agent opens the file for its user and answers
     * {@link #STARTED} or {@link #ERROR} as well.
     */
    OPEN_FILE(18, 64),
    /** Host to agent: open this URL ({@link OpenableUrl}) in the user's browser; answered by {@link #STARTED} or {@link #ERROR}. */
    OPEN_URL(19, OpenableUrl.MAX_LENGTH),
    /**
     * Host to agent: as {@link #OPEN_FILE}, for a disposable that lives as long as the viewer: after
     * {@link #STARTED} the agent waits for the open command to exit and answers {@link #EXIT}.
     */
    OPEN_FILE_AND_WAIT(20, 64),
    /** Host to agent: as {@link #OPEN_URL}, then {@link #EXIT} when the open command exits (see {@link #OPEN_FILE_AND_WAIT}). */
    OPEN_URL_AND_WAIT(21, OpenableUrl.MAX_LENGTH);

    private final int code;
    private final int maxLength;

    FrameType(int code, int maxLength) {
        this.code = code;
        this.maxLength = maxLength;
    }

    public int code() {
        return code;
    }

    public int maxLength() {
        return maxLength;
    }

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    /** The type with that code, or null. */
    public static FrameType of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
