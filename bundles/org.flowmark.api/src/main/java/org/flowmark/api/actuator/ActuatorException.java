package org.flowmark.api.actuator;

/** An actuator could not apply (part of) a batch; the message says what and why. */
public class ActuatorException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Actions of the batch that failed (0 when unknown: the engine then counts the whole batch). */
    private final int failed;

    public ActuatorException(String message, int failed) {
        super(message);
        this.failed = failed;
    }

    public ActuatorException(String message, int failed, Throwable cause) {
        super(message, cause);
        this.failed = failed;
    }

    public int failed() {
        return failed;
    }
}
