package org.flowmark.policy.internal;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One policy rule: a component per factory configuration {@code org.flowmark.policy.rule}
 * ({@code config/org.flowmark.policy.rule-<name>.cfg}). It compiles the configuration when activated (SCR
 * re-creates it when the file changes) and registers itself for {@link PolicyEngine}. A rule that does not compile
 * is logged once, naming its file and the error position, and registers with no rule: the others keep working.
 */
@Component(service = PolicyRule.class, configurationPid = Rule.FACTORY_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = PolicyRule.Config.class, factory = true)
public final class PolicyRule {

    @ObjectClassDefinition(name = "Flowmark policy rule",
            description = "Match expression and actions; one configuration per rule")
    @interface Config {
        @AttributeDefinition(description = "Match expression, e.g. application == \"zoom\" && other_port in 8801-8810")
        String match();

        @AttributeDefinition(description = "Actions separated by '|': type:key=value;key=value, e.g. "
                + "ipset:set=NETIFY_ZOOM;set_type=hash:ip,port,ip;layout=other_ip,other_port,local_ip;timeout=600 "
                + "| log:level=info; or exempt")
        String actions();

        @AttributeDefinition(description = "Evaluation order: lower first")
        int priority() default 100;

        @AttributeDefinition(description = "When this rule matches, later rules are not evaluated")
        boolean halt() default false;

        @AttributeDefinition(description = "Remove the rule's kernel entries when the flow is purged")
        boolean remove__on__purge() default false;

        @AttributeDefinition(description = "False disables the rule without deleting it")
        boolean enabled() default true;
    }

    private final Rule rule;
    private final String error;
    private final String origin;

    @Activate
    public PolicyRule(Map<String, Object> properties, @Reference(service = LoggerFactory.class) Logger log) {
        Rule r = null;
        String err = null;
        try {
            r = Rule.fromConfig(properties);
            if (r == null) {
                log.info("policy rule {} is disabled (enabled=false)", Rule.origin(properties));
            } else {
                log.info("policy rule {} loaded from {}: {}", r.name(), r.origin(), r.match().source());
            }
        } catch (Rule.Invalid e) {
            err = e.getMessage();
            log.error("{}\nthe rule is ignored; the other rules keep working", err);
        }
        this.rule = r;
        this.error = err;
        this.origin = Rule.origin(properties);
    }

    /** The compiled rule, or null when disabled or invalid. */
    public Rule rule() {
        return rule;
    }

    /** Why the configuration was rejected, or null. */
    public String error() {
        return error;
    }

    public String origin() {
        return origin;
    }
}
