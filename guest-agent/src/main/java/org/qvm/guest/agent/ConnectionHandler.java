package org.qvm.guest.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qvm.guest.filecopy.CopyResult;
import org.qvm.guest.filecopy.FileCopyUnpacker;
import org.qvm.guest.filecopy.IncomingTree;
import org.qvm.guest.files.Errno;
import org.qvm.guest.files.FileSystemError;
import org.qvm.guest.files.FsIdentity;
import org.qvm.guest.protocol.ExecRequest;
import org.qvm.guest.protocol.Frame;
import org.qvm.guest.protocol.FrameReader;
import org.qvm.guest.protocol.FrameType;
import org.qvm.guest.protocol.FrameWriter;
import org.qvm.guest.protocol.OpenableUrl;
import org.qvm.guest.protocol.Payloads;
import org.qvm.guest.protocol.Protocol;
import org.qvm.guest.protocol.ProtocolException;
import org.qvm.guest.transport.GuestSocket;

/**
 * One connection from the host: HELLO both ways, then one request (EXEC, FILECOPY, OPEN_FILE,
 * OPEN_URL, either of them AND_WAIT, PING or POWEROFF). Anything malformed ends this connection with an ERROR frame and
 * nothing else.
 */
final class ConnectionHandler {
    /** Copies land in {@code $HOME/QubesIncoming/<source>}; the host is the only source. */
    static final String INCOMING = "QubesIncoming/";
    /** The source of a copy from the host itself. */
    static final String HOST = "host";
    /** What a copy's source may be called: the host, or a VM's name as qvm allows them. */
    static final java.util.regex.Pattern SOURCE = java.util.regex.Pattern.compile("host|[a-z](?:[a-z0-9-]{0,9}[a-z0-9])?");

    private final AgentSettings settings;
    private final QvmAgent.Log log;

    ConnectionHandler(AgentSettings settings, QvmAgent.Log log) {
        this.settings = settings;
        this.log = log;
    }

    void serve(GuestSocket socket) {
        try (socket) {
            FrameReader in = new FrameReader(socket.input());
            FrameWriter out = new FrameWriter(socket.output());
            try {
                int version = Payloads.u16(in.expect(FrameType.HELLO).payload());
                if (version != Protocol.VERSION) {
                    out.write(FrameType.ERROR, Payloads.error(Protocol.STATUS_TRANSPORT, "protocol version " + version
                            + " is not supported; this agent speaks " + Protocol.VERSION));
                    return;
                }
                out.write(FrameType.HELLO, Payloads.u16(Protocol.VERSION));
                Frame request = in.expect(FrameType.EXEC, FrameType.FILECOPY, FrameType.OPEN_FILE, FrameType.OPEN_URL,
                        FrameType.OPEN_FILE_AND_WAIT, FrameType.OPEN_URL_AND_WAIT, FrameType.PING, FrameType.POWEROFF);
                switch (request.type()) {
                    case PING -> out.writeEmpty(FrameType.PONG);
                    case EXEC -> new ExecSession(settings, in, out).run(ExecRequest.decode(request.payload()));
                    case FILECOPY -> receiveFiles(socket, request.payload());
                    case OPEN_FILE, OPEN_FILE_AND_WAIT -> openFile(socket, in, out, request.payload(),
                            request.type() == FrameType.OPEN_FILE_AND_WAIT);
                    case OPEN_URL, OPEN_URL_AND_WAIT -> openUrl(in, out, new String(request.payload(),
                            java.nio.charset.StandardCharsets.UTF_8), request.type() == FrameType.OPEN_URL_AND_WAIT);
                    case POWEROFF -> powerOff(out);
                    default -> throw new ProtocolException("unexpected " + request.type());
                }
            } catch (ProtocolException e) {
                log.info("connection closed: " + e.getMessage());
                try {
                    out.write(FrameType.ERROR, Payloads.error(Protocol.STATUS_TRANSPORT, "protocol error: " + e.getMessage()));
                } catch (IOException gone) {
                    // The other side is gone already.
                }
            }
        } catch (IOException | RuntimeException e) {
            log.info("connection ended: " + e);
        }
    }

    /**
     * The source a FILECOPY names: the host's word, checked anyway since it becomes a directory
     * name; empty when it is not one.
     */
    static java.util.Optional<String> sourceOf(byte[] payload) {
        String source = payload.length == 0 ? HOST : new String(payload, java.nio.charset.StandardCharsets.UTF_8);
        return java.util.Optional.of(source).filter(name -> SOURCE.matcher(name).matches());
    }

    /**
     * Unpacks a file copy into the user's QubesIncoming/SOURCE. When the agent is root and delivers
     * to another user, the whole unpack runs with that user's filesystem ids: everything it makes
     * is the user's, and nothing it does can reach what the user could not (a link or directory the
     * user swaps in while the copy runs leads nowhere the user cannot already write).
     */
    private void receiveFiles(GuestSocket socket, byte[] sourcePayload) throws IOException {
        java.util.Optional<String> named = sourceOf(sourcePayload);
        if (named.isEmpty()) {
            refuseSource(socket);
            return;
        }
        String source = named.get();
        CopyResult result = asUser(() -> unpack(socket,
                () -> new IncomingTree.Opened(IncomingTree.open(settings.home(), INCOMING + source), INCOMING + source), false)).result();
        logRefusal(source, result);
        result.write(socket.output());
    }

    /**
     * A file another VM (or the host) has this guest open: unpacked as a copy is, into a directory
     * of its own, {@code QubesIncoming/SOURCE/opened-DATE-TIME[-N]/}, then opened for the user with
     * the open command, detached. The answer is the copy's result, then STARTED or ERROR; with
     * {@code wait}, EXIT too, when the open command exits.
     */
    private void openFile(GuestSocket socket, FrameReader in, FrameWriter out, byte[] sourcePayload, boolean wait)
            throws IOException {
        java.util.Optional<String> named = sourceOf(sourcePayload);
        if (named.isEmpty()) {
            refuseSource(socket);
            return;
        }
        String source = named.get();
        String directory = OPENED.format(java.time.LocalDateTime.now());
        Unpacked unpacked = asUser(() -> unpack(socket, () -> IncomingTree.openFresh(settings.home(), INCOMING + source, directory),
                true));
        logRefusal(source, unpacked.result());
        unpacked.result().write(socket.output());
        if (!unpacked.result().succeeded()) {
            return;
        }
        if (unpacked.file().isEmpty()) {
            out.write(FrameType.ERROR, Payloads.error(Protocol.STATUS_REFUSED, "only a single regular file can be opened"));
            return;
        }
        Path file = settings.home().resolve(unpacked.file().get());
        log.info("opening a file from " + source + ": " + file);
        open(in, out, file.getParent().toString(), file.toString(), wait);
    }

    /** A URL another VM (or the host) has this guest open in the user's browser. */
    private void openUrl(FrameReader in, FrameWriter out, String url, boolean wait) throws IOException {
        java.util.Optional<String> problem = OpenableUrl.problem(url);
        if (problem.isPresent()) {
            out.write(FrameType.ERROR, Payloads.error(Protocol.STATUS_REFUSED, problem.get()));
            return;
        }
        log.info("opening a URL");
        open(in, out, "", url, wait);
    }

    /**
     * Runs the open command on {@code what} as the agent's user, detached (under waypipe when this
     * guest's windows travel so): answers STARTED or ERROR, and with {@code wait} EXIT when it exits.
     */
    private void open(FrameReader in, FrameWriter out, String directory, String what, boolean wait) throws IOException {
        List<String> argv = new ArrayList<>(settings.openCommand());
        argv.add(what);
        ExecRequest request = new ExecRequest(false, false, "", directory, argv, List.of(), settings.waylandSocket().isPresent());
        ExecSession session = new ExecSession(settings, in, out);
        if (wait) {
            session.runAndWait(request);
        } else {
            session.run(request);
        }
    }

    private static final java.time.format.DateTimeFormatter OPENED =
            java.time.format.DateTimeFormatter.ofPattern("'opened-'yyyyMMdd-HHmmss");

    private void refuseSource(GuestSocket socket) throws IOException {
        // Answered as Qubes answers a stream it cannot take: the host reads a result, not a frame.
        log.info("file copy refused: its source is not 'host' or a VM's name");
        new CopyResult(Errno.EINVAL, 0, "").write(socket.output());
    }

    private void logRefusal(String source, CopyResult result) {
        if (!result.succeeded()) {
            log.info("file copy from " + source + " refused: " + Errno.describe(result.errno()) + " at '"
                    + result.lastName() + "'");
        }
    }

    /** What an unpack gave: its result, and the one file it holds when the caller asked (relative to the home). */
    private record Unpacked(CopyResult result, java.util.Optional<String> file) {
    }

    private interface TreeOpener {
        IncomingTree.Opened open() throws FileSystemError;
    }

    /** Runs an unpack with the receiving user's filesystem ids when the agent is root and that user is another. */
    private Unpacked asUser(java.util.function.Supplier<Unpacked> unpack) {
        Accounts.Account account = Accounts.find(settings.user()).orElse(null);
        boolean asUser = account != null && Accounts.runningAsRoot() && account.uid() != 0;
        return asUser ? FsIdentity.runAs(account.uid(), account.gid(), unpack::get) : unpack.get();
    }

    /**
     * Unpacks the stream into the tree {@code opener} opens (under the home, made as needed,
     * without following links); with {@code oneFile}, also finds the one regular file it holds.
     */
    private Unpacked unpack(GuestSocket socket, TreeOpener opener, boolean oneFile) {
        IncomingTree.Opened opened;
        try {
            opened = opener.open();
        } catch (FileSystemError e) {
            return new Unpacked(new CopyResult(e.errno() == 0 ? Errno.EIO : e.errno(), 0, ""), java.util.Optional.empty());
        }
        try (IncomingTree tree = opened.tree()) {
            CopyResult result = new FileCopyUnpacker(tree).receive(socket.channel());
            java.util.Optional<String> file = result.succeeded() && oneFile ? tree.onlyRegularFile() : java.util.Optional.empty();
            return new Unpacked(result, file.map(name -> opened.relative() + "/" + name));
        } catch (FileSystemError e) {
            return new Unpacked(new CopyResult(e.errno() == 0 ? Errno.EIO : e.errno(), 0, ""), java.util.Optional.empty());
        }
    }

    private void powerOff(FrameWriter out) throws IOException {
        out.writeEmpty(FrameType.OK);
        log.info("powering off: " + String.join(" ", settings.poweroffCommand()));
        new ProcessBuilder(settings.poweroffCommand()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
