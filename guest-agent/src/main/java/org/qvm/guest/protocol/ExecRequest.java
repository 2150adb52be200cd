package org.qvm.guest.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What to run in the guest.
 *
 * @param shell  whether {@code argv} is one shell command line for /bin/sh (else it is run as it is)
 * @param passIo whether standard input and output are connected to the host; without, they are
 *               /dev/null and the command runs on detached (a GUI application)
 * @param user   the user to run as; empty for the agent's own user
 * @param cwd    the working directory; empty for the user's home
 * @param env    extra environment variables, {@code NAME=value}
 * @param gui    a graphical application: the agent runs it under waypipe, whose stream reaches the
 *               host's compositor over the guest channel (a guest whose windows travel so)
 */
public record ExecRequest(boolean shell, boolean passIo, String user, String cwd, List<String> argv, List<String> env,
                          boolean gui) {

    public ExecRequest(boolean shell, boolean passIo, String user, String cwd, List<String> argv, List<String> env) {
        this(shell, passIo, user, cwd, argv, env, false);
    }

    public ExecRequest {
        argv = List.copyOf(argv);
        env = List.copyOf(env);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("nothing to run");
        }
        if (shell && argv.size() != 1) {
            throw new IllegalArgumentException("a shell command is one string");
        }
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte((shell ? 1 : 0) | (passIo ? 2 : 0) | (gui ? 4 : 0));
            Payloads.writeString(out, user);
            Payloads.writeString(out, cwd);
            Payloads.writeStrings(out, argv);
            Payloads.writeStrings(out, env);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.size() > Protocol.MAX_EXEC_REQUEST) {
            throw new IllegalArgumentException("the command and its environment are over " + Protocol.MAX_EXEC_REQUEST + " bytes");
        }
        return bytes.toByteArray();
    }

    /** Decodes a payload; anything malformed is a {@link ProtocolException}. */
    public static ExecRequest decode(byte[] payload) throws ProtocolException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int flags = in.readUnsignedByte();
            if ((flags & ~7) != 0) {
                throw new ProtocolException("unknown exec flags " + flags);
            }
            String user = Payloads.readString(in, payload.length);
            String cwd = Payloads.readString(in, payload.length);
            List<String> argv = Payloads.readStrings(in, payload.length, Protocol.MAX_ARGS, "arguments");
            List<String> env = Payloads.readStrings(in, payload.length, Protocol.MAX_ENV, "environment variables");
            if (in.available() != 0) {
                throw new ProtocolException("trailing bytes after the exec request");
            }
            return new ExecRequest((flags & 1) != 0, (flags & 2) != 0, user, cwd, argv, env, (flags & 4) != 0);
        } catch (EOFException e) {
            throw new ProtocolException("truncated exec request");
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("invalid exec request: " + e.getMessage());
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
