package org.qvm.hypervisor;

/** A control request that failed: which request, to what, and why. */
public class ControlException extends RuntimeException {
    public ControlException(String message) {
        super(message);
    }

    public ControlException(String message, Throwable cause) {
        super(message, cause);
    }
}
