/** The actuator SPI: policy actions turned into Layer 3 state (ipset, nftables, conntrack marks, tc) by plug-ins. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.flowmark.api.actuator;
