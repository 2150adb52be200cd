package org.qvm.wayland.wire;

/** What a peer sent breaks the protocol (or the proxy's rules): its connection is closed, with this as the reason. */
public final class Violation extends Exception {
    private static final long serialVersionUID = 1L;

    public Violation(String reason) {
        super(reason);
    }
}
