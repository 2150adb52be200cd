package org.qvm.guest.filecopy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What a name in a file-copy stream may be (Qubes' rules, qubes-tools.md §5): a relative path of
 * printable characters, no empty, "." or ".." component, no "//", no trailing "/", shorter than
 * 16383 bytes; and for a symbolic link, a relative target that stays inside the copied tree.
 */
public final class NameRules {
    /** Qubes' limit: a name (with its NUL) of 16384 bytes or more is too long. */
    public static final int MAX_NAME_LENGTH = 16383;

    private NameRules() {
    }

    /** Decodes the name's bytes (without the NUL): valid UTF-8 only. */
    public static Optional<String> decode(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** Why the name is not acceptable, or empty when it is. */
    public static Optional<String> problem(String name) {
        if (name.isEmpty()) {
            return Optional.of("empty name");
        }
        if (name.startsWith("/")) {
            return Optional.of("absolute path");
        }
        if (name.endsWith("/")) {
            return Optional.of("trailing '/'");
        }
        if (name.contains("//")) {
            return Optional.of("'//' in the name");
        }
        for (String component : name.split("/")) {
            if (component.equals(".") || component.equals("..")) {
                return Optional.of("'" + component + "' component");
            }
        }
        return characters(name);
    }

    /**
     * Control characters (C0, DEL, C1) and invisible format characters (bidi overrides and the
     * like) are refused, so a name cannot hide what it is.
     */
    static Optional<String> characters(String text) {
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || Character.getType(c) == Character.FORMAT
                    || c == 0xfffd || Character.getType(c) == Character.LINE_SEPARATOR
                    || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                return Optional.of(String.format("character U+%04X is not allowed", c));
            }
            i += Character.charCount(c);
        }
        return Optional.empty();
    }

    /**
     * Why a link at {@code name} may not point at {@code target}: the link must be at least two
     * components deep, its target relative, made of leading ".." only up to the link's depth in
     * the copied tree, then plain names.
     */
    public static Optional<String> linkProblem(String name, String target) {
        String[] nameParts = name.split("/");
        if (nameParts.length < 2) {
            return Optional.of("a symbolic link must be inside a copied directory");
        }
        if (target.isEmpty() || target.startsWith("/")) {
            return Optional.of("a symbolic link's target must be a relative path");
        }
        if (target.contains("//") || target.endsWith("/")) {
            return Optional.of("malformed symbolic link target");
        }
        String[] parts = target.split("/");
        int up = 0;
        while (up < parts.length && parts[up].equals("..")) {
            up++;
        }
        for (int i = up; i < parts.length; i++) {
            if (parts[i].equals("..") || parts[i].equals(".")) {
                return Optional.of("a symbolic link's target may only start with '..'");
            }
        }
        if (up >= nameParts.length - 1) {
            return Optional.of("the symbolic link points outside the copied tree");
        }
        return characters(target);
    }
}
