/** nftables actuator internals: libnftables through JNA, one transaction per batch. Not exported. */
package org.flowmark.actuator.nftables.internal;
