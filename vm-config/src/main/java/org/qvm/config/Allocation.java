package org.qvm.config;

import java.util.Optional;

/** What a VM was given: its vsock CID and, if it has network, its /31. */
public record Allocation(long cid, Optional<PointToPointLink> link) {
}
