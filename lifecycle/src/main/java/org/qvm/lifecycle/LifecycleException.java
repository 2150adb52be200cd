package org.qvm.lifecycle;

/** A VM could not be started, stopped, paused or resumed as asked. */
public class LifecycleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LifecycleException(String message) {
        super(message);
    }

    public LifecycleException(String message, Throwable cause) {
        super(message, cause);
    }
}
