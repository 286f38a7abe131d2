package org.flowmark.detector.tls.internal;

/**
 * The one exception the TLS, DTLS and DER parsers of this bundle throw: the bytes are not a well-formed message of
 * the kind asked for. It carries no stack trace (malformed input is routine on a network, not a programming error),
 * so creating one is cheap.
 */
final class TlsFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    TlsFormatException(String message) {
        super(message, null, false, false);
    }
}
