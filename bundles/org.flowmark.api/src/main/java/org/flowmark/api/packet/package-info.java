/** Read-only, reusable views over packet bytes, handed to detectors; they must not escape the call. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.flowmark.api.packet;
