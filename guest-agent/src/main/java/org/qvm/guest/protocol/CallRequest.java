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
 * A guest's call of a service on the host (qvmd): what a VM may ask for, decided by the host's
 * policy. Only what the guest asks: who asks is what the channel says, never this.
 *
 * @param service the service, as Qubes names it ({@code qubes.Filecopy})
 * @param target  the VM it is for, or {@code @default} to let the user choose
 * @param args    the service's arguments (a URL for qubes.OpenURL)
 */
public record CallRequest(String service, String target, List<String> args) {
    public CallRequest {
        args = List.copyOf(args);
        if (args.size() > Protocol.MAX_CALL_ARGS) {
            throw new IllegalArgumentException("more than " + Protocol.MAX_CALL_ARGS + " arguments");
        }
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            Payloads.writeString(out, service);
            Payloads.writeString(out, target);
            Payloads.writeStrings(out, args);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.size() > Protocol.MAX_CALL_REQUEST) {
            throw new IllegalArgumentException("the call is over " + Protocol.MAX_CALL_REQUEST + " bytes");
        }
        return bytes.toByteArray();
    }

    /** Decodes a payload; anything malformed is a {@link ProtocolException}. */
    public static CallRequest decode(byte[] payload) throws ProtocolException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            String service = Payloads.readString(in, payload.length);
            String target = Payloads.readString(in, payload.length);
            List<String> args = Payloads.readStrings(in, payload.length, Protocol.MAX_CALL_ARGS, "arguments");
            if (in.available() != 0) {
                throw new ProtocolException("trailing bytes after the call");
            }
            return new CallRequest(service, target, args);
        } catch (EOFException e) {
            throw new ProtocolException("truncated call");
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
