/** Application classification SPI: resolvers that name a flow's application, and the DNS host name hints. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.flowmark.api.classify;
