package org.qvm.guest.client;

/**
 * The guest could not be reached, refused, or broke the protocol. {@link #status()} is what
 * qvm-run exits with: 125 for the transport, 126 refused, 127 not found.
 */
public class GuestException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    public GuestException(int status, String message) {
        super(message);
        this.status = status;
    }

    public GuestException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
