package org.flowmark.capture.internal.source;

import java.io.IOException;

/** A capture source is unreadable, truncated or corrupt; the message names the source and where. */
public final class CaptureException extends IOException {
    private static final long serialVersionUID = 1L;

    public CaptureException(String message) {
        super(message);
    }

    public CaptureException(String message, Throwable cause) {
        super(message, cause);
    }
}
