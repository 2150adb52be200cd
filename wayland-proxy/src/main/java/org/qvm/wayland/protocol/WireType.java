package org.qvm.wayland.protocol;

/** The types of a Wayland message's arguments, with the letters libwayland's signatures use. */
public enum WireType {
    INT('i'), UINT('u'), FIXED('f'), STRING('s'), OBJECT('o'), NEW_ID('n'), ARRAY('a'), FD('h');

    private final char letter;

    WireType(char letter) {
        this.letter = letter;
    }

    public char letter() {
        return letter;
    }

    static WireType of(char letter) {
        for (WireType type : values()) {
            if (type.letter == letter) {
                return type;
            }
        }
        throw new IllegalArgumentException("no wire type '" + letter + "'");
    }

    /** The type named in protocol XML ({@code int}, {@code new_id}, {@code fd}...). */
    public static WireType ofXml(String name) {
        return switch (name) {
            case "int" -> INT;
            case "uint" -> UINT;
            case "fixed" -> FIXED;
            case "string" -> STRING;
            case "object" -> OBJECT;
            case "new_id" -> NEW_ID;
            case "array" -> ARRAY;
            case "fd" -> FD;
            default -> throw new IllegalArgumentException("no wire type '" + name + "'");
        };
    }
}
