package org.qvm.guest.protocol;

import java.io.IOException;

/** The other side broke the protocol (an unknown frame, one too long, a malformed payload). */
public class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
