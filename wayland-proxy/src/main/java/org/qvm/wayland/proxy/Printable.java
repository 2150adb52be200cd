package org.qvm.wayland.proxy;

/** Text from a guest made safe for a log: control, bidi and other invisible characters become '?', and it is cut at 200 characters. */
final class Printable {
    private Printable() {
    }

    static String of(String text) {
        if (text == null) {
            return "(null)";
        }
        StringBuilder safe = new StringBuilder();
        text.codePoints().limit(200).forEach(c -> safe.appendCodePoint(Character.isISOControl(c)
                || Character.getType(c) == Character.FORMAT || Character.getType(c) == Character.UNASSIGNED ? '?' : c));
        return text.codePointCount(0, text.length()) > 200 ? safe + "..." : safe.toString();
    }
}
