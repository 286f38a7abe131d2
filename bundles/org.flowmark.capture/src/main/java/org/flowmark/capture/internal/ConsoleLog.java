package org.flowmark.capture.internal;

import java.io.PrintStream;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * Prints OSGi log entries of every bundle to stderr (never stdout, which carries records): WARN and above by
 * default, down to the level named by the framework property {@code flowmark.log.level}
 * ({@code error|warn|info|debug}). The agent's own console: it says what happened with the bundle's name.
 */
@Component(immediate = true)
public final class ConsoleLog implements LogListener {
    private final LogReaderService reader;
    private final LogLevel threshold;
    private final PrintStream err = System.err;

    @Activate
    public ConsoleLog(BundleContext context, @Reference LogReaderService reader) {
        this.reader = reader;
        String level = context.getProperty("flowmark.log.level");
        LogLevel t = LogLevel.WARN;
        if (level != null) {
            try {
                t = LogLevel.valueOf(level.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                err.println("flowmark: unknown flowmark.log.level '" + level + "', using warn");
            }
        }
        this.threshold = t;
        reader.addLogListener(this);
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
    }

    @Override
    public void logged(LogEntry entry) {
        if (!threshold.implies(entry.getLogLevel())) {
            return;
        }
        String bundle = entry.getBundle() != null ? entry.getBundle().getSymbolicName() : "?";
        err.println("flowmark: " + entry.getLogLevel().name().toLowerCase(java.util.Locale.ROOT) + " [" + bundle + "] "
                + entry.getMessage() + (entry.getException() != null ? ": " + entry.getException() : ""));
    }
}
