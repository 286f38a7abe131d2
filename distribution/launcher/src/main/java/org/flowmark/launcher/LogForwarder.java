package org.flowmark.launcher;

import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Locale;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;

/**
 * Copies the OSGi log's warnings and errors (a DS component that fails to activate, an EventAdmin handler that is
 * blacklisted, FileInstall errors...) to stderr. The log service API is not on the launcher's class path, so the
 * listener is a dynamic proxy of the log bundle's own {@code LogListener} interface and entries are read
 * reflectively: the launcher shares no package with the framework beyond {@code org.osgi.framework}.
 *
 * <p>Threshold: framework property {@code flowmark.log.level} ({@code error}, {@code warn} (default), {@code info},
 * {@code debug}). While the capture core is ACTIVE its own console log prints the entries, so this forwarder covers
 * what the core cannot see: the boot before it starts, a core that fails, and the shutdown after it stops.
 */
final class LogForwarder implements ServiceListener {

    static final String LOG_READER = "org.osgi.service.log.LogReaderService";

    private final BundleContext ctx;
    private final PrintStream err;
    private final int threshold;
    private volatile Bundle core;

    private LogForwarder(BundleContext ctx, PrintStream err, int threshold) {
        this.ctx = ctx;
        this.err = err;
        this.threshold = threshold;
    }

    /** Starts forwarding: call on the system bundle's context after {@code init()}, before the log bundle starts. */
    static void install(BundleContext ctx, PrintStream err, String level) {
        LogForwarder f = new LogForwarder(ctx, err, severity(level == null ? "warn" : level));
        try {
            ctx.addServiceListener(f, "(objectClass=" + LOG_READER + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 1 error, 2 warn, 3 info, 4 debug (the OSGi LogService levels), from a level name. */
    static int severity(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "audit", "error" -> 1;
            case "info" -> 3;
            case "debug", "trace" -> 4;
            default -> 2;
        };
    }

    @Override
    public void serviceChanged(ServiceEvent event) {
        if (event.getType() != ServiceEvent.REGISTERED) {
            return;
        }
        ServiceReference<?> ref = event.getServiceReference();
        Object reader = ctx.getService(ref);
        if (reader == null) {
            return;
        }
        try {
            Method add = null;
            for (Method m : reader.getClass().getMethods()) {
                if (m.getName().equals("addLogListener") && m.getParameterCount() == 1) {
                    add = m;
                }
            }
            if (add == null) {
                return;
            }
            Class<?> listenerType = add.getParameterTypes()[0];
            Object listener = Proxy.newProxyInstance(listenerType.getClassLoader(), new Class<?>[] {listenerType},
                    new Handler());
            add.setAccessible(true);
            add.invoke(reader, listener);
        } catch (ReflectiveOperationException | RuntimeException e) {
            err.println("flowmark: cannot follow the OSGi log (" + Boot.reason(e) + "); bundle warnings will not be "
                    + "shown");
        }
    }

    private final class Handler implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) {
            switch (method.getName()) {
                case "logged" -> logged(args[0]);
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "equals" -> {
                    return proxy == args[0];
                }
                case "toString" -> {
                    return "flowmark stderr log listener";
                }
                default -> {
                }
            }
            return null;
        }
    }

    private void logged(Object entry) {
        try {
            int level = ((Number) call(entry, "getLevel")).intValue();
            String levelName = "";
            Object logLevel = call(entry, "getLogLevel");
            if (logLevel != null) {
                levelName = logLevel.toString();
                level = switch (levelName) {
                    case "AUDIT", "ERROR" -> 1;
                    case "WARN" -> 2;
                    case "INFO" -> 3;
                    default -> 4;
                };
            }
            if (level > threshold || coreActive()) {
                return;
            }
            Bundle b = (Bundle) call(entry, "getBundle");
            String msg = (String) call(entry, "getMessage");
            Throwable t = (Throwable) call(entry, "getException");
            StringBuilder sb = new StringBuilder("flowmark: ");
            sb.append(levelName.isEmpty() ? (level == 1 ? "ERROR" : level == 2 ? "WARN" : "INFO") : levelName);
            if (b != null) {
                sb.append(' ').append(b.getSymbolicName());
            }
            sb.append(": ").append(msg);
            if (t != null) {
                sb.append(": ").append(Boot.reason(t));
            }
            err.println(sb);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // never let logging break the log service's delivery thread
        }
    }

    private boolean coreActive() {
        Bundle c = core;
        if (c == null) {
            for (Bundle b : ctx.getBundles()) {
                if (Boot.CORE_BUNDLE.equals(b.getSymbolicName())) {
                    core = c = b;
                }
            }
        }
        return c != null && c.getState() == Bundle.ACTIVE;
    }

    private static Object call(Object target, String name) throws ReflectiveOperationException {
        try {
            Method m = target.getClass().getMethod(name);
            m.setAccessible(true);
            return m.invoke(target);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
