package org.flowmark.launcher;

/** A command line the launcher cannot run; its message says why. Exit status 2. */
public final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
