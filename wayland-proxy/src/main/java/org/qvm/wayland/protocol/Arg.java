package org.qvm.wayland.protocol;

import java.util.Optional;

/**
 * One argument of a message: its type, whether it may be null (strings, objects, arrays), and the
 * interface of an object or a new object. A {@code new_id} without an interface is the untyped one
 * of {@code wl_registry.bind}, which carries the interface's name and version inline.
 */
public record Arg(WireType type, boolean nullable, Optional<String> iface) {
    /** As in the descriptions file: {@code u}, {@code ?s}, {@code o:wl_surface}, {@code ?o:wl_output}, {@code n:wl_callback}, {@code N}. */
    public String render() {
        if (type == WireType.NEW_ID && iface.isEmpty()) {
            return "N";
        }
        return (nullable ? "?" : "") + type.letter() + iface.map(name -> ":" + name).orElse("");
    }

    static Arg parse(String token) {
        if (token.equals("N")) {
            return new Arg(WireType.NEW_ID, false, Optional.empty());
        }
        boolean nullable = token.startsWith("?");
        String rest = nullable ? token.substring(1) : token;
        WireType type = WireType.of(rest.charAt(0));
        Optional<String> iface = rest.length() > 2 && rest.charAt(1) == ':' ? Optional.of(rest.substring(2)) : Optional.empty();
        if (rest.length() > 1 && iface.isEmpty()) {
            throw new IllegalArgumentException("bad argument '" + token + "'");
        }
        return new Arg(type, nullable, iface);
    }
}
