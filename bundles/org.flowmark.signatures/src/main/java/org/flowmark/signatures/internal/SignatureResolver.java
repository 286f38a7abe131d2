package org.flowmark.signatures.internal;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.flowmark.api.classify.ApplicationResolver;
import org.flowmark.api.classify.HostnameHints;
import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.flow.FlowView;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Names a flow's application from the signature files once its detection is final. Resolution order, first hit
 * wins:
 * <ol>
 * <li>{@code sni}: the flow's host name as a detector set it (TLS/QUIC SNI, HTTP Host, DNS query name);</li>
 * <li>{@code dns_cache}: the host name the DNS hint cache holds for the other side's address, valid at the flow's
 *     first packet (capture time: the answer came before the flow); failing that, one learnt at most
 *     {@link #HINT_SKEW_NANOS} after it (an answer stamped in the same burst as the first packet). It also becomes
 *     the flow's host name when it has none;</li>
 * <li>{@code network}: the longest signature prefix holding the other side's address (honouring the
 *     application's {@code ports}/{@code protocols} restrictions), only for flows that have no host name at all
 *     by then (a name that matched no signature is not overruled by the address);</li>
 * <li>{@code certificate}: the names of the server certificate ({@code ssl.server_names}, {@code ssl.server_cn}).</li>
 * </ol>
 * Steps 2 and 3 apply to TCP, UDP and SCTP flows only: an ICMP echo to a vendor's address is no application
 * traffic. A hit sets {@code application}, {@code category} and metadata group {@code app} {@code {match, signature}}
 * (signature: the domain pattern or prefix that matched). An application a detector already set is never replaced.
 * Host names match exactly or by wildcard suffix, the most specific pattern winning ({@link DomainTable}).
 *
 * <p>The signature directory is watched by polling ({@link SignatureStore}); the index is immutable and swapped
 * whole, so a resolve call sees one consistent version without locking.
 */
@Component(service = ApplicationResolver.class, configurationPid = SignaturesConfig.PID, immediate = true)
@Designate(ocd = SignaturesConfig.class)
public final class SignatureResolver implements ApplicationResolver {

    static final String GROUP = "app";
    /**
     * How long after a flow's first packet a DNS answer may still name it: the answer must come before the flow,
     * but a capture may stamp the client's first packet in the same millisecond as (or just before) the answer
     * that prompted it.
     */
    static final long HINT_SKEW_NANOS = 2_000_000_000L;
    private static final ThreadLocal<byte[]> ADDRESS = ThreadLocal.withInitial(() -> new byte[16]);

    private final SignatureStore store;
    private final ScheduledExecutorService watcher;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile HostnameHints hints;

    @Activate
    public SignatureResolver(BundleContext context, SignaturesConfig config,
            @Reference(service = LoggerFactory.class) Logger log) {
        this(directory(config.directory(), context.getProperty("flowmark.signatures.dir"),
            context.getProperty("flowmark.home")), config.pollMillis(), log::info, log::error);
    }

    SignatureResolver(Path dir, int pollMillis, Consumer<String> info, Consumer<String> error) {
        store = new SignatureStore(dir, info, error);
        store.refresh();
        if (pollMillis > 0) {
            watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "flowmark-signatures-watch");
                t.setDaemon(true);
                return t;
            });
            watcher.scheduleWithFixedDelay(() -> {
                try {
                    store.refresh();
                } catch (RuntimeException e) {
                    error.accept("signatures: reload failed: " + e);
                }
            }, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
        } else {
            watcher = null;
        }
    }

    /** The configured directory, else the framework property, else {@code <home>/signatures}, else ./signatures. */
    static Path directory(String configured, String property, String home) {
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured.trim());
        }
        if (property != null && !property.isBlank()) {
            return Paths.get(property.trim());
        }
        return home != null && !home.isBlank() ? Paths.get(home.trim(), "signatures") : Paths.get("signatures");
    }

    @Deactivate
    void deactivate() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }

    /** For tests: sets the hint cache as DS would. */
    void hints(HostnameHints h) {
        this.hints = h;
    }

    SignatureStore store() {
        return store;
    }

    @Override
    public void resolve(FlowView flow, DetectionBuilder result) {
        SignatureIndex ix = store.index();
        HostnameHints h = hints;
        String host = result.hostname();
        boolean haveApp = result.application() != null;
        if (haveApp && (host != null || h == null)) {
            return;
        }
        DomainTable.Entry d = null;
        if (host != null) {
            d = ix.domains.match(host);
            if (d != null) {
                apply(result, d.app, "sni", d.pattern);
                return;
            }
        }
        int proto = flow.ipProtocol();
        if (proto != 6 && proto != 17 && proto != 132) {
            return; // addresses name applications only for transport flows (not ICMP, GRE, ESP, ...)
        }
        byte[] addr = ADDRESS.get();
        int len = flow.otherAddress(addr);
        if (h != null && host == null) {
            long start = flow.firstSeenNanos();
            String hint = h.lookup(addr, len, start);
            if (hint == null) {
                hint = h.lookup(addr, len, saturatedAdd(start, HINT_SKEW_NANOS));
            }
            if (hint != null) {
                result.hostname(hint);
                if (haveApp) {
                    return;
                }
                d = ix.domains.match(hint);
                if (d != null) {
                    apply(result, d.app, "dns_cache", d.pattern);
                    return;
                }
            }
        }
        if (haveApp) {
            return;
        }
        if (result.hostname() == null) {
            // a flow that names its server (SNI, Host, a DNS hint) is not re-named by the address behind it: an
            // unknown name on a CDN or cloud range says nothing about which tenant serves it
            SignatureIndex.NetEntry n = ix.network(addr, len, flow.otherPort(), result.protocol());
            if (n != null) {
                apply(result, n.app, "network", n.cidr);
                return;
            }
        }
        d = certificate(ix, result.get("ssl", "server_names"));
        if (d == null) {
            d = certificate(ix, result.get("ssl", "server_cn"));
        }
        if (d != null) {
            apply(result, d.app, "certificate", d.pattern);
        }
    }

    /** Matches certificate names: a String (several may be comma-separated) or a collection of them. */
    private static DomainTable.Entry certificate(SignatureIndex ix, Object names) {
        if (names instanceof String) {
            String s = (String) names;
            int from = 0;
            while (from <= s.length()) {
                int comma = s.indexOf(',', from);
                int to = comma < 0 ? s.length() : comma;
                DomainTable.Entry e = certName(ix, s.substring(from, to).trim());
                if (e != null) {
                    return e;
                }
                from = to + 1;
            }
        } else if (names instanceof Collection) {
            for (Object o : (Collection<?>) names) {
                if (o instanceof String) {
                    DomainTable.Entry e = certName(ix, ((String) o).trim());
                    if (e != null) {
                        return e;
                    }
                }
            }
        }
        return null;
    }

    private static DomainTable.Entry certName(SignatureIndex ix, String name) {
        if (name.isEmpty()) {
            return null;
        }
        if (name.startsWith("*.")) {
            return ix.domains.match(name.substring(2), true);
        }
        return ix.domains.match(name);
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    private static void apply(DetectionBuilder b, App app, String how, String signature) {
        b.application(app.name);
        b.category(app.category);
        b.put(GROUP, "match", how);
        b.put(GROUP, "signature", signature);
    }
}
