package org.qvm.config;

/** An IPv4 network in CIDR notation; the address has no host bits set. */
public record Ipv4Network(Ipv4Address address, int prefixLength) {

    public Ipv4Network {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be 0-32");
        }
        if ((address.value() & ~mask(prefixLength)) != 0) {
            throw new IllegalArgumentException(address + "/" + prefixLength + " has host bits set; the network is "
                    + new Ipv4Address(address.value() & mask(prefixLength)) + "/" + prefixLength);
        }
    }

    public static Ipv4Network parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0 || !text.substring(slash + 1).matches("[0-9]{1,2}")) {
            throw new IllegalArgumentException("'" + text + "' is not a network in CIDR notation (like 10.0.0.0/24)");
        }
        int prefix = Integer.parseInt(text.substring(slash + 1));
        if (prefix > 32) {
            throw new IllegalArgumentException("'" + text + "': the prefix length must be 0-32");
        }
        return new Ipv4Network(Ipv4Address.parse(text.substring(0, slash)), prefix);
    }

    private static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public long size() {
        return 1L << (32 - prefixLength);
    }

    public boolean contains(Ipv4Address candidate) {
        return (candidate.value() & mask(prefixLength)) == address.value();
    }

    public boolean overlaps(Ipv4Network other) {
        int shorter = Math.min(prefixLength, other.prefixLength);
        return (address.value() & mask(shorter)) == (other.address.value() & mask(shorter));
    }

    @Override
    public String toString() {
        return address + "/" + prefixLength;
    }
}
