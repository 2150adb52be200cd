package org.qvm.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size in bytes, written as a whole number with an optional binary unit: {@code 512M},
 * {@code 2G}, {@code 10GiB}, {@code 1T}. A bare number means MiB, as crosvm's {@code --mem} does.
 */
public record Size(long bytes) implements Comparable<Size> {
    public static final long MIB = 1024L * 1024;
    private static final Pattern FORM = Pattern.compile("([0-9]{1,15})\\s*([KMGT]?)(?:I?B)?");

    public static Size parse(String text) {
        Matcher m = FORM.matcher(text.strip().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (like \"512M\", \"2G\" or \"10GiB\")");
        }
        long number = Long.parseLong(m.group(1));
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "", "M" -> 20;
            case "G" -> 30;
            default -> 40;
        };
        if (number > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return new Size(number << shift);
    }

    public static Size ofMib(long mib) {
        return new Size(mib * MIB);
    }

    public long mib() {
        return bytes / MIB;
    }

    public boolean isWholeMib() {
        return bytes % MIB == 0;
    }

    @Override
    public int compareTo(Size other) {
        return Long.compare(bytes, other.bytes);
    }

    /** For people: the exact form when there is a short one, else one decimal ("1.4G"). */
    public String approximate() {
        String exact = toString();
        if (exact.length() <= 5) {
            return exact;
        }
        String[] units = {"T", "G", "M", "K"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes >= 1L << shifts[i]) {
                return String.format(java.util.Locale.ROOT, "%.1f%s", bytes / (double) (1L << shifts[i]), units[i]);
            }
        }
        return bytes + "B";
    }

    /** The shortest exact form: "10G", "1536M", "4K". */
    @Override
    public String toString() {
        String[] units = {"T", "G", "M", "K"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes != 0 && bytes % unit == 0) {
                return (bytes / unit) + units[i];
            }
        }
        return bytes + "B";
    }
}
