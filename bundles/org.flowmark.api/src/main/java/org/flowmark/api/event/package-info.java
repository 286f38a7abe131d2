/** EventAdmin topics and property names of the control-plane events the core publishes. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.flowmark.api.event;
