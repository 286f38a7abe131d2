package org.flowmark.signatures.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration (PID {@code org.flowmark.signatures}) of the signature resolver and the DNS hint cache. */
@ObjectClassDefinition(name = "Flowmark application signatures",
    description = "Application signatures (host names, networks) and the DNS hint cache.")
@interface SignaturesConfig {

    String PID = "org.flowmark.signatures";

    @AttributeDefinition(name = "Directory",
        description = "Directory of *.json signature files. Empty: the framework property flowmark.signatures.dir, "
            + "else <flowmark.home>/signatures.")
    String directory() default "";

    @AttributeDefinition(name = "Poll interval (ms)",
        description = "How often the directory is checked for changed files; 0 disables live reload.", min = "0")
    int pollMillis() default 1000;

    @AttributeDefinition(name = "Hint cache entries", description = "Bound on the DNS hint cache (LRU).",
        min = "16")
    int hintCacheSize() default 65536;

    @AttributeDefinition(name = "Minimum hint TTL (s)", description = "DNS TTLs below this are raised to it.",
        min = "0")
    long hintMinTtl() default 60;

    @AttributeDefinition(name = "Maximum hint TTL (s)", description = "DNS TTLs above this are lowered to it.",
        min = "1")
    long hintMaxTtl() default 86400;
}
