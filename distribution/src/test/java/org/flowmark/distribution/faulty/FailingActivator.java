package org.flowmark.distribution.faulty;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A bundle activator for IsolationIT that fails to start. */
public final class FailingActivator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        throw new IllegalStateException("deliberate activation failure of the test bundle");
    }

    @Override
    public void stop(BundleContext context) {
    }
}
