package org.flowmark.testkit;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.regex.Matcher;

import org.osgi.service.log.Logger;

/** An OSGi {@link Logger} for tests that records each formatted message as {@code "level: text"}. */
public final class RecordingLogger {

    private RecordingLogger() {
    }

    /**
     * A logger whose calls with a format string append {@code "<method>: <message>"} to {@code sink} (synchronized
     * on it), the {@code {}} placeholders filled from the arguments (an {@code Object[]} argument supplies one value
     * per element). The {@code is...Enabled} methods answer false; nothing else is recorded.
     */
    public static Logger of(List<String> sink) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, m, args) -> {
                    if (args != null && args.length > 0 && args[0] instanceof String) {
                        String fmt = (String) args[0];
                        for (int i = 1; i < args.length; i++) {
                            Object[] vals = args[i] instanceof Object[] ? (Object[]) args[i] : new Object[] {args[i]};
                            for (Object o : vals) {
                                fmt = fmt.replaceFirst("\\{\\}", Matcher.quoteReplacement(String.valueOf(o)));
                            }
                        }
                        synchronized (sink) {
                            sink.add(m.getName() + ": " + fmt);
                        }
                    }
                    return m.getReturnType() == boolean.class ? Boolean.FALSE : null;
                });
    }
}
