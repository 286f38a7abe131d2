/** The detector SPI: detectors are whiteboard services that return one of three verdicts per packet. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.flowmark.api.detector;
