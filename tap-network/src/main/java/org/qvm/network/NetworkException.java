package org.qvm.network;

/** The network cannot be set up or taken down as asked; nothing was changed by the check that says so. */
public class NetworkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NetworkException(String message) {
        super(message);
    }
}
