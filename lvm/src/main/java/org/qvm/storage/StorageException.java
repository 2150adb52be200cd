package org.qvm.storage;

/** A volume cannot be prepared, resized or removed as asked; the check that says so changed nothing. */
public class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }
}
