package org.qvm.guest.agent;

import java.io.IOException;
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
import org.qvm.guest.protocol.Payloads;
import org.qvm.guest.protocol.Protocol;
import org.qvm.guest.protocol.ProtocolException;
import org.qvm.guest.transport.GuestSocket;

/**
 * One connection from the host: HELLO both ways, then one request (EXEC, FILECOPY, PING or
 * POWEROFF). Anything malformed ends this connection with an ERROR frame and nothing else.
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
                Frame request = in.expect(FrameType.EXEC, FrameType.FILECOPY, FrameType.PING, FrameType.POWEROFF);
                switch (request.type()) {
                    case PING -> out.writeEmpty(FrameType.PONG);
                    case EXEC -> new ExecSession(settings, in, out).run(ExecRequest.decode(request.payload()));
                    case FILECOPY -> receiveFiles(socket, request.payload());
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
            // Answered as Qubes answers a stream it cannot take: the host reads a result, not a frame.
            log.info("file copy refused: its source is not 'host' or a VM's name");
            new CopyResult(Errno.EINVAL, 0, "").write(socket.output());
            return;
        }
        String source = named.get();
        Accounts.Account account = Accounts.find(settings.user()).orElse(null);
        boolean asUser = account != null && Accounts.runningAsRoot() && account.uid() != 0;
        CopyResult result = asUser
                ? FsIdentity.runAs(account.uid(), account.gid(), () -> unpack(socket, source))
                : unpack(socket, source);
        if (!result.succeeded()) {
            log.info("file copy from " + source + " refused: " + Errno.describe(result.errno()) + " at '"
                    + result.lastName() + "'");
        }
        result.write(socket.output());
    }

    private CopyResult unpack(GuestSocket socket, String source) {
        try (IncomingTree tree = IncomingTree.open(settings.home(), INCOMING + source)) {
            return new FileCopyUnpacker(tree).receive(socket.channel());
        } catch (FileSystemError e) {
            return new CopyResult(e.errno() == 0 ? Errno.EIO : e.errno(), 0, "");
        }
    }

    private void powerOff(FrameWriter out) throws IOException {
        out.writeEmpty(FrameType.OK);
        log.info("powering off: " + String.join(" ", settings.poweroffCommand()));
        new ProcessBuilder(settings.poweroffCommand()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
