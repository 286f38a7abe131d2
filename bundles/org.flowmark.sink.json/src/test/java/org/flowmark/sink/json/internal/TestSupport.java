package org.flowmark.sink.json.internal;

import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;
import org.flowmark.api.flow.PurgeReason;
import org.osgi.service.log.Logger;

/** Shared fixtures: flow records, a recording logger, config annotation implementations. */
final class TestSupport {

    private TestSupport() {
    }

    static final long T0 = 1_700_000_000_123_456_789L;

    static FlowRecord ipv4Http(PurgeReason reason) {
        Map<String, Map<String, Object>> meta = new java.util.LinkedHashMap<>();
        Map<String, Object> http = new java.util.LinkedHashMap<>();
        http.put("method", "GET");
        http.put("url", "/index.html");
        http.put("status", 200);
        http.put("user_agent", "curl/8.0");
        http.put("headers", List.of("Host", "Accept"));
        http.put("tls", Map.of("upgraded", false));
        meta.put("http", http);
        Detection d = new Detection("HTTP", "example", "www.example.com", "Web", Set.of("unsafe_protocol"), meta,
                "http");
        return new FlowRecord(42, "/captures/web.pcap", 4, 6, 0, null, "192.168.1.10", 51514, "aa:bb:cc:00:11:22",
                "93.184.216.34", 80, "00:11:22:33:44:55", true, 6, 700, 5, 4300, T0, T0 + 1_500_000_000L, 4, d,
                reason);
    }

    static FlowRecord ipv6Unknown() {
        return new FlowRecord(7, "eth0", 6, 17, 12, "gre", "2001:db8::1", 5353, null, "2001:db8:ffff::2", 9999,
                null, false, 1, 100, 2, 250, T0, T0 + 999_999L, 2, Detection.NONE, null);
    }

    /** A log entry: level and formatted message. */
    record Entry(String level, String message) {
    }

    /** A Logger recording formatted messages ({} placeholders filled in). */
    static final class Log {
        final List<Entry> entries = new ArrayList<>();
        final Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
                new Class<?>[] {Logger.class}, (p, m, args) -> {
                    switch (m.getName()) {
                        case "getName":
                            return "test";
                        case "isTraceEnabled", "isDebugEnabled", "isInfoEnabled", "isWarnEnabled",
                                "isErrorEnabled":
                            return true;
                        case "trace", "debug", "info", "warn", "error", "audit":
                            if (args != null && args.length > 0 && args[0] instanceof String fmt) {
                                Object[] rest = new Object[args.length - 1];
                                System.arraycopy(args, 1, rest, 0, rest.length);
                                if (rest.length == 1 && rest[0] instanceof Object[] arr) {
                                    rest = arr;
                                }
                                record(m.getName(), format(fmt, rest));
                            }
                            return null;
                        case "toString":
                            return "TestLog";
                        case "hashCode":
                            return System.identityHashCode(p);
                        case "equals":
                            return p == args[0];
                        default:
                            return null;
                    }
                });

        private synchronized void record(String level, String message) {
            entries.add(new Entry(level, message));
        }

        synchronized List<Entry> at(String level) {
            return entries.stream().filter(e -> e.level().equals(level)).toList();
        }

        synchronized boolean has(String level, String fragment) {
            return entries.stream().anyMatch(e -> e.level().equals(level) && e.message().contains(fragment));
        }

        private static String format(String fmt, Object[] args) {
            StringBuilder b = new StringBuilder();
            int arg = 0;
            int i = 0;
            while (i < fmt.length()) {
                if (fmt.startsWith("{}", i) && arg < args.length) {
                    b.append(args[arg++]);
                    i += 2;
                } else {
                    b.append(fmt.charAt(i++));
                }
            }
            return b.toString();
        }
    }

    /** JsonOutput configuration with settable values. */
    static final class OutputConfig implements JsonOutput.Config {
        String type = "stdout";
        String path = "";
        int port;
        String format = "ndjson";
        int queueSize = 8192;
        String[] include = {"classified", "purge", "stats"};
        String name = "";

        @Override public String type() { return type; }
        @Override public String path() { return path; }
        @Override public int port() { return port; }
        @Override public String format() { return format; }
        @Override public int queue__size() { return queueSize; }
        @Override public String[] include() { return include; }
        @Override public String name() { return name; }
        @Override public Class<? extends Annotation> annotationType() { return JsonOutput.Config.class; }
    }

    static final class SinkConfig implements JsonSink.Config {
        int stdoutQueueSize = 8192;
        long drainTimeoutMs = 10_000;

        @Override public int stdout__queue__size() { return stdoutQueueSize; }
        @Override public long drain__timeout__ms() { return drainTimeoutMs; }
        @Override public Class<? extends Annotation> annotationType() { return JsonSink.Config.class; }
    }

    static void await(String what, long millis, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /** Names of live threads of the sink whose name starts with {@code flowmark-json-<prefix>}. */
    static List<String> sinkThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("flowmark-json-" + prefix)).toList();
    }

    static long deadline(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
