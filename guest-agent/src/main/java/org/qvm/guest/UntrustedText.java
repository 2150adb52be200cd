package org.qvm.guest;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Text that came from a guest (an agent's error message, a file name in its answer, its console),
 * made safe to print on a terminal or copy to a log: the one filter every such string goes
 * through, whatever {@code --filter-escape-chars} says.
 *
 * <p>A code point is kept only if it draws as itself, left to right: printable ASCII; and beyond
 * ASCII, letters, digits, punctuation and symbols whose bidirectional class cannot reorder the text
 * around them. Everything else becomes {@code _}: C0 and C1 controls (so no escape sequence, OSC 52
 * clipboard write or title change gets through), DEL, bidi embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069), zero-width and other format characters (U+200B-U+200F, U+FEFF),
 * line and paragraph separators, combining marks, right-to-left letters, private-use, unassigned and
 * surrogate code points, noncharacters, non-ASCII spaces, blank-looking letters (U+2800, the Hangul
 * fillers), and bytes that are not UTF-8.
 *
 * <p>File names are held to a stricter rule on top ({@link #allowedInName}), close to Qubes' own
 * allow-list: no symbols that draw as pictures, no non-ASCII spaces, and only scripts that need no
 * complex rendering.
 */
public final class UntrustedText {
    /** What an unsafe code point (or a byte that is not UTF-8) is shown as. */
    public static final char REPLACEMENT = '_';

    /** Letters that draw as nothing at all. */
    private static final Set<Integer> BLANK_LOOKING = Set.of(0x115F, 0x1160, 0x2800, 0x3164, 0xFFA0);

    /** Scripts that render one code point at a time, left to right: what Qubes allows in names. */
    private static final Set<Character.UnicodeScript> NAME_SCRIPTS = Set.of(Character.UnicodeScript.LATIN,
            Character.UnicodeScript.GREEK, Character.UnicodeScript.CYRILLIC, Character.UnicodeScript.HAN,
            Character.UnicodeScript.HANGUL, Character.UnicodeScript.HIRAGANA, Character.UnicodeScript.KATAKANA,
            Character.UnicodeScript.BOPOMOFO, Character.UnicodeScript.COMMON, Character.UnicodeScript.INHERITED);

    private UntrustedText() {
    }

    /** One line of guest text for a message: every unsafe code point, tabs and newlines too, becomes {@code _}. */
    public static String forDisplay(String text) {
        return filter(text, false);
    }

    /** A line of guest console output: as {@link #forDisplay(String)}, but a tab stays a tab. */
    public static String consoleLine(String text) {
        return filter(text, true);
    }

    /** Bytes from a guest, decoded as UTF-8 (what is not UTF-8 becomes {@code _}) and filtered for a message. */
    public static String forDisplay(byte[] bytes) {
        return forDisplay(decode(bytes, 0, bytes.length));
    }

    /** A console line's bytes: see {@link #consoleLine(String)}. */
    public static String consoleLine(byte[] bytes, int length) {
        return consoleLine(decode(bytes, 0, length));
    }

    private static String decode(byte[] bytes, int offset, int length) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE).replaceWith(String.valueOf(REPLACEMENT));
        try {
            CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes, offset, length));
            return chars.toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder cannot fail", e);
        }
    }

    private static String filter(String text, boolean keepTabs) {
        StringBuilder clean = null;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            int width = Character.charCount(c);
            boolean safe = safeForDisplay(c) || keepTabs && c == '\t';
            if (!safe && clean == null) {
                clean = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (clean != null) {
                if (safe) {
                    clean.appendCodePoint(c);
                } else {
                    clean.append(REPLACEMENT);
                }
            }
            i += width;
        }
        return clean == null ? text : clean.toString();
    }

    /** Whether the code point draws as itself, left to right, and cannot change how the text around it looks. */
    public static boolean safeForDisplay(int c) {
        if (c >= 0x20 && c <= 0x7e) {
            return true;
        }
        if (c < 0xa0 || c > Character.MAX_CODE_POINT || isNoncharacter(c) || BLANK_LOOKING.contains(c)) {
            return false;
        }
        return switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                 Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER,
                 Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.CONNECTOR_PUNCTUATION, Character.OTHER_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION,
                 Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL ->
                    leftToRightOrNeutral(c);
            default -> false;
        };
    }

    /**
     * Whether a file name may hold the code point: printable ASCII, or a display-safe letter, digit,
     * punctuation mark or mathematical or currency sign of a script that needs no complex rendering
     * (Latin, Greek, Cyrillic, Han, Hangul, kana, Bopomofo, common). No non-ASCII space, no symbol
     * that draws as a picture.
     */
    public static boolean allowedInName(int c) {
        if (c >= 0x20 && c <= 0x7e) {
            return true;
        }
        if (!safeForDisplay(c)) {
            return false;
        }
        int type = Character.getType(c);
        return type != Character.MODIFIER_SYMBOL && type != Character.OTHER_SYMBOL
                && NAME_SCRIPTS.contains(Character.UnicodeScript.of(c));
    }

    private static boolean leftToRightOrNeutral(int c) {
        return switch (Character.getDirectionality(c)) {
            case Character.DIRECTIONALITY_LEFT_TO_RIGHT, Character.DIRECTIONALITY_EUROPEAN_NUMBER,
                 Character.DIRECTIONALITY_EUROPEAN_NUMBER_SEPARATOR, Character.DIRECTIONALITY_EUROPEAN_NUMBER_TERMINATOR,
                 Character.DIRECTIONALITY_COMMON_NUMBER_SEPARATOR, Character.DIRECTIONALITY_WHITESPACE,
                 Character.DIRECTIONALITY_OTHER_NEUTRALS -> true;
            default -> false;
        };
    }

    /** U+FDD0-U+FDEF and the last two code points of every plane are noncharacters. */
    private static boolean isNoncharacter(int c) {
        return c >= 0xfdd0 && c <= 0xfdef || (c & 0xfffe) == 0xfffe;
    }
}
