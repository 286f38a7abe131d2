/** Flow views, flow records and detection results. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.flowmark.api.flow;
