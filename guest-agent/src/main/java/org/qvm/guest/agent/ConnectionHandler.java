package org.qvm.guest.agent;

import java.io.IOException;
import java.nio.file.Path;
import org.qvm.guest.filecopy.CopyResult;
import org.qvm.guest.filecopy.Errno;
import org.qvm.guest.filecopy.FileCopyUnpacker;
import org.qvm.guest.filecopy.SafeTree;
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
    static final String INCOMING = "QubesIncoming/host";

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
                    case FILECOPY -> receiveFiles(socket);
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

    private void receiveFiles(GuestSocket socket) throws IOException {
        Accounts.Account account = Accounts.find(settings.user()).orElse(null);
        Path home = settings.home();
        boolean other = account != null && Accounts.runningAsRoot() && !settings.user().equals(Accounts.current());
        CopyResult result;
        try (SafeTree tree = SafeTree.open(home, INCOMING, other ? account.uid() : -1, other ? account.gid() : -1)) {
            result = new FileCopyUnpacker(tree).receive(socket.channel());
        } catch (SafeTree.TreeException e) {
            result = new CopyResult(e.errno() == 0 ? Errno.EIO : e.errno(), 0, "");
        }
        if (!result.succeeded()) {
            log.info("file copy refused: " + Errno.describe(result.errno()) + " at '" + result.lastName() + "'");
        }
        result.write(socket.output());
    }

    private void powerOff(FrameWriter out) throws IOException {
        out.writeEmpty(FrameType.OK);
        log.info("powering off: " + String.join(" ", settings.poweroffCommand()));
        new ProcessBuilder(settings.poweroffCommand()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
