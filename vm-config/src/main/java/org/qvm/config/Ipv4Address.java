package org.qvm.config;

/** An IPv4 address held as its 32-bit value. */
public record Ipv4Address(int value) implements Comparable<Ipv4Address> {

    /** Parses dotted-quad notation strictly: four decimal numbers 0-255, no leading zeros. */
    public static Ipv4Address parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (like 10.0.0.3)");
        }
        int value = 0;
        for (String part : parts) {
            if (!part.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(part) > 255) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (like 10.0.0.3)");
            }
            value = (value << 8) | Integer.parseInt(part);
        }
        return new Ipv4Address(value);
    }

    public Ipv4Address plus(long offset) {
        return new Ipv4Address((int) (Integer.toUnsignedLong(value) + offset));
    }

    public long unsigned() {
        return Integer.toUnsignedLong(value);
    }

    @Override
    public int compareTo(Ipv4Address other) {
        return Integer.compareUnsigned(value, other.value);
    }

    // equals and hashCode written out: a record's generated ones bootstrap method handles on first
    // use, which costs every short-lived tool several milliseconds before its first comparison.
    @Override
    public boolean equals(Object other) {
        return other instanceof Ipv4Address address && address.value == value;
    }

    @Override
    public int hashCode() {
        return Integer.hashCode(value);
    }

    @Override
    public String toString() {
        return (value >>> 24) + "." + ((value >>> 16) & 0xff) + "." + ((value >>> 8) & 0xff) + "." + (value & 0xff);
    }
}
