package org.flowmark.api.actuator;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/** Component properties of an {@link Actuator} service ({@code flowmark.actuator.type}, ...). */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface ActuatorProperties {
    String PREFIX_ = "flowmark.actuator.";

    /** The action type this actuator serves, as rules name it: {@code ipset}, {@code nftables}, ... */
    String type();

    /** Largest batch the engine hands over at once. */
    int maxBatch() default 256;
}
