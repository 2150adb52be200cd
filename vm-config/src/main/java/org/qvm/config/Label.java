package org.qvm.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Qubes' window-frame colours: how trusted a VM is, at a glance. */
public enum Label {
    RED("31"), ORANGE("38;5;208"), YELLOW("33"), GREEN("32"), GRAY("90"), BLUE("34"), PURPLE("35"), BLACK("30;47");

    private final String ansiCode;

    Label(String ansiCode) {
        this.ansiCode = ansiCode;
    }

    /** The SGR parameters that colour text in this label's colour on a terminal. */
    public String ansiCode() {
        return ansiCode;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Label parse(String text) {
        for (Label label : values()) {
            if (label.id().equals(text)) {
                return label;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a label; labels are " + allIds());
    }

    public static String allIds() {
        return Arrays.stream(values()).map(Label::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id();
    }
}
