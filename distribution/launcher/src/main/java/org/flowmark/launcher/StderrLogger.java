package org.flowmark.launcher;

import java.io.PrintStream;

import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * Felix's framework logger, writing to stderr instead of stdout: in read mode stdout carries only records.
 * Installed through the {@code felix.log.logger} framework property.
 */
final class StderrLogger extends org.apache.felix.framework.Logger {

    private final PrintStream err;

    StderrLogger(PrintStream err) {
        this.err = err;
    }

    @Override
    protected void doLog(Bundle bundle, @SuppressWarnings("rawtypes") ServiceReference sr, int level, String msg,
            Throwable throwable) {
        String label = switch (level) {
            case LOG_ERROR -> "ERROR";
            case LOG_WARNING -> "WARNING";
            case LOG_INFO -> "INFO";
            default -> "DEBUG";
        };
        StringBuilder sb = new StringBuilder("felix: ").append(label).append(": ");
        if (bundle != null && bundle.getBundleId() != 0) {
            sb.append(Boot.name(bundle)).append(": ");
        }
        sb.append(msg);
        if (throwable != null) {
            sb.append(": ").append(Boot.reason(throwable));
        }
        err.println(sb);
    }
}
