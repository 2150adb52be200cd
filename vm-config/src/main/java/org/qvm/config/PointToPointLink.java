package org.qvm.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A VM's /31 link (RFC 3021), as in the article: the host side of its tap device takes the even
 * address, the guest the odd one (host 10.0.0.2, guest 10.0.0.3).
 */
public record PointToPointLink(Ipv4Address host, Ipv4Address guest) {
    public static final String NETMASK = "255.255.255.254";

    public PointToPointLink {
        if ((host.value() & 1) != 0 || guest.value() != host.value() + 1) {
            throw new IllegalArgumentException(host + " and " + guest + " are not the two addresses of one /31");
        }
    }

    /** The link whose guest side is {@code guest}, which must be odd. */
    public static PointToPointLink forGuest(Ipv4Address guest) {
        if ((guest.value() & 1) == 0) {
            throw new IllegalArgumentException(guest + " is even: a guest takes the odd address of its /31 ("
                    + guest.plus(1) + ", with " + guest + " on the host side)");
        }
        return new PointToPointLink(guest.plus(-1), guest);
    }

    // equals and hashCode written out: a record's generated ones bootstrap method handles on first
    // use, which costs every short-lived tool several milliseconds before its first comparison.
    @Override
    public boolean equals(Object other) {
        return other instanceof PointToPointLink link && link.host.equals(host) && link.guest.equals(guest);
    }

    @Override
    public int hashCode() {
        return 31 * host.hashCode() + guest.hashCode();
    }

    public Ipv4Network network() {
        return new Ipv4Network(host, 31);
    }

    /**
     * The links a pool is carved into, in address order. The first and last pairs are left out, so
     * the pool's own network and broadcast addresses are never handed to a VM and the first VM gets
     * host .2 and guest .3, as in the article.
     */
    public static List<PointToPointLink> carve(Ipv4Network pool) {
        List<PointToPointLink> links = new ArrayList<>();
        long pairs = pool.size() / 2;
        for (long pair = 1; pair < pairs - 1; pair++) {
            Ipv4Address host = pool.address().plus(pair * 2);
            links.add(new PointToPointLink(host, host.plus(1)));
        }
        return links;
    }

    /** How many VMs a pool can give a link to; see {@link #carve}. */
    public static long capacity(Ipv4Network pool) {
        return Math.max(0, pool.size() / 2 - 2);
    }
}
