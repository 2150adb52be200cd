package org.qvm.guest.filecopy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.qvm.guest.UntrustedText;
import org.qvm.guest.files.Errno;

/**
 * What a name in a file-copy stream may be, as Qubes' receiver decides it (qubes-tools.md §5): a
 * canonical relative path (no empty, "." or ".." component, no "//", no trailing "/") of characters
 * from the allow-list ({@link UntrustedText#allowedInName}), shorter than 16383 bytes; and for a
 * symbolic link, a target that cannot leave the copied tree. Refusals carry Qubes' error numbers,
 * so that either side prints the same reason: EILSEQ for a name, ENOLINK for a link that would
 * point out of the tree.
 */
public final class NameRules {
    /** Qubes' limit: a name (with its NUL) of 16384 bytes or more is too long. */
    public static final int MAX_NAME_LENGTH = 16383;

    private NameRules() {
    }

    /** Why a name or link is refused, with the errno the receiver answers. */
    public record Problem(int errno, String reason) {
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

    /** Why the name is not acceptable (always EILSEQ, as in Qubes), or empty when it is. */
    public static Optional<Problem> problem(String name) {
        String reason = shapeProblem(name);
        if (reason == null) {
            reason = characterProblem(name);
        }
        return reason == null ? Optional.empty() : Optional.of(new Problem(Errno.EILSEQ, reason));
    }

    private static String shapeProblem(String name) {
        if (name.isEmpty()) {
            return "empty name";
        }
        if (name.startsWith("/")) {
            return "absolute path";
        }
        if (name.endsWith("/")) {
            return "trailing '/'";
        }
        if (name.contains("//")) {
            return "'//' in the name";
        }
        for (String component : name.split("/")) {
            if (component.equals(".") || component.equals("..")) {
                return "'" + component + "' component";
            }
        }
        return null;
    }

    /** The first character a name may not hold, described; null when there is none. */
    static String characterProblem(String text) {
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (!UntrustedText.allowedInName(c)) {
                return String.format("character U+%04X is not allowed", c);
            }
            i += Character.charCount(c);
        }
        return null;
    }

    /**
     * Why a link at {@code name} (a valid name) may not point at {@code target}, or empty. As in
     * Qubes: the link must be at least two components deep, so the top of the copy is never a link;
     * its target is relative, and only its leading ".." components may climb, at most to the
     * top-level directory of the copy (a link {@code a/b/c} may point at {@code ../d}, which is
     * {@code a/d}, but not at {@code ../../d}). "." components, repeated slashes and a trailing
     * slash in a target are harmless and accepted.
     */
    public static Optional<Problem> linkProblem(String name, String target) {
        int depth = name.split("/").length;
        if (depth < 2) {
            return link("a symbolic link must be inside a copied directory");
        }
        if (target.isEmpty()) {
            return link("a symbolic link's target is empty");
        }
        if (target.startsWith("/")) {
            return link("a symbolic link's target must be a relative path");
        }
        int climbsLeft = depth - 2;
        for (String component : target.split("/")) {
            if (component.isEmpty() || component.equals(".")) {
                continue;
            }
            if (component.equals("..")) {
                if (climbsLeft == 0) {
                    return link("the symbolic link points outside the copied tree");
                }
                climbsLeft--;
            } else {
                climbsLeft = 0;
            }
        }
        String characters = characterProblem(target);
        return characters == null ? Optional.empty() : Optional.of(new Problem(Errno.EILSEQ, characters + " (link target)"));
    }

    private static Optional<Problem> link(String reason) {
        return Optional.of(new Problem(Errno.ENOLINK, reason));
    }
}
