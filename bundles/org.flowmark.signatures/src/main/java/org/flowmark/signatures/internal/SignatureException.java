package org.flowmark.signatures.internal;

/** A signature file that cannot be used; the message names the file and, for syntax and value errors, the line. */
final class SignatureException extends Exception {
    private static final long serialVersionUID = 1L;

    SignatureException(String message, Throwable cause) {
        super(message, cause);
    }
}
