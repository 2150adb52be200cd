package org.qvm.wayland.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.qvm.wayland.protocol.Interface;
import org.qvm.wayland.protocol.Protocols;
import org.qvm.wayland.wire.Decoded;
import org.qvm.wayland.wire.Encoder;

/**
 * Every window of a VM says whose it is: {@code xdg_toplevel.set_title("T")} reaches the compositor
 * as {@code "[VM] T"} and {@code set_app_id("A")} as {@code "qvm.VM.A"}; a new toplevel is given
 * {@code "[VM]"} and {@code "qvm.VM"} at once, so a window whose guest never names it is tagged too.
 */
final class Tagging {
    /** A title is cut (at a character) to keep its message within Wayland's 4096 bytes. */
    static final int MAX_BYTES = 3000;
    private final String vm;
    private final int setTitle;
    private final int setAppId;

    Tagging(String vm, Protocols protocols) {
        this.vm = vm;
        Interface toplevel = protocols.iface("xdg_toplevel").orElseThrow();
        this.setTitle = DataTransfer.request(toplevel, "set_title");
        this.setAppId = DataTransfer.request(toplevel, "set_app_id");
    }

    String title(String guest) {
        return cut("[" + vm + "] " + guest);
    }

    String appId(String guest) {
        return cut("qvm." + vm + "." + guest);
    }

    private static String cut(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_BYTES) {
            return text;
        }
        int end = MAX_BYTES;
        while (end > 0 && (bytes[end] & 0xc0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** The request as the compositor gets it: a rewritten one, or null to pass it on as it is. */
    ByteBuffer rewrite(Interface iface, int object, int opcode, Decoded args) {
        if (!iface.name().equals("xdg_toplevel") || opcode != setTitle && opcode != setAppId) {
            return null;
        }
        String given = args.string(0);
        String tagged = opcode == setTitle ? title(given == null ? "" : given) : appId(given == null ? "" : given);
        return new Encoder(object, opcode).string(tagged).done();
    }

    /** What the proxy sends after a request: a new toplevel's tags. */
    void after(Interface iface, String request, Decoded args, Output compositor) throws java.io.IOException {
        if (iface.name().equals("xdg_surface") && request.equals("get_toplevel")) {
            int toplevel = args.values[0];
            compositor.add(new Encoder(toplevel, setTitle).string("[" + vm + "]").done(), new int[0]);
            compositor.add(new Encoder(toplevel, setAppId).string("qvm." + vm).done(), new int[0]);
        }
    }
}
