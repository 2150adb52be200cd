package org.qvm.config;

import java.util.Optional;

/**
 * A VM ready to be used by the tools: its definition plus what was allocated to it.
 *
 * @param cid  its vsock context id (>= 3), unique among the VMs
 * @param link its /31, when it has network
 */
public record Vm(VmDefinition definition, long cid, Optional<PointToPointLink> link) {

    public String name() {
        return definition.name();
    }
}
