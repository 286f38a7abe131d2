package org.flowmark.api.detector;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Component properties of a {@link Detector} service, read by the core when it builds its dispatch table.
 * Property names are prefixed {@code flowmark.detector.} (e.g. {@code flowmark.detector.name}).
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface DetectorProperties {

    /** Prefix of every property name. */
    String PREFIX_ = "flowmark.detector.";

    /** Detector name, lowercase, unique (e.g. {@code "http"}). */
    String name();

    /** Transports the detector wants: {@code "tcp"}, {@code "udp"}, {@code "sctp"}, {@code "other"}. */
    String[] transport() default {"tcp", "udp"};

    /** Ports that hint at this protocol: such flows try this detector first. Never a verdict by itself. */
    int[] ports() default {};

    /** Dispatch order among detectors not hinted by port: lower runs first. */
    int priority() default 100;

    /** How many payload packets after DETECTED may go to {@link Detector#collect}. */
    int extraPackets() default 0;
}
