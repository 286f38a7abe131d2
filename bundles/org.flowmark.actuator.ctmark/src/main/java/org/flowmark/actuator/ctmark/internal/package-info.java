/** Conntrack mark actuator and tc helper internals: ctnetlink through JNA, tc/nft from configuration. */
package org.flowmark.actuator.ctmark.internal;
