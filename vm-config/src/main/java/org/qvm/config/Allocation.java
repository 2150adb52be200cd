package org.qvm.config;

import java.util.Optional;

/** What a VM was given: its vsock CID and, if it has network, its /31. */
public record Allocation(long cid, Optional<PointToPointLink> link) {
    // equals and hashCode written out: a record's generated ones bootstrap method handles on first
    // use, which costs every short-lived tool several milliseconds before its first comparison.
    @Override
    public boolean equals(Object other) {
        return other instanceof Allocation allocation && allocation.cid == cid && allocation.link.equals(link);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(cid) + link.hashCode();
    }
}
