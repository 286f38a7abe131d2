package org.flowmark.actuator.ipset.internal;

import java.io.IOException;

/** A running {@code ipset -exist restore} child (or a fake one in tests). */
interface RestoreChannel {
    /** Writes text (complete lines) and flushes. */
    void write(String text) throws IOException;

    /** The next line the child printed on stdout, or null when none came within the timeout or the child died. */
    String readLine(long timeoutMs) throws InterruptedException;

    boolean alive();

    /** Waits (bounded) for the child to exit and returns what it printed on stderr since it started. */
    String errors(long waitMs) throws InterruptedException;

    void close();

    /** Starts a child. */
    interface Launcher {
        RestoreChannel start() throws IOException;
    }
}
