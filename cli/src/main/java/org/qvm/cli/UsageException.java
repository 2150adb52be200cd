package org.qvm.cli;

/** A misuse of a tool found after parsing (say, an unknown field name): exit status 2. */
class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
