package org.flowmark.policy.internal.expr;

/**
 * A match expression could not be compiled. Carries the 1-based column of the offending character so the message
 * can point at it with a caret line ({@link #describe}).
 */
public final class ExpressionException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int column;
    private final String reason;

    public ExpressionException(String source, int column, String reason) {
        super(reason + " at column " + column);
        this.source = source;
        this.column = column;
        this.reason = reason;
    }

    /** 1-based column of the error. */
    public int column() {
        return column;
    }

    /** The error without its position. */
    public String reason() {
        return reason;
    }

    /** The expression that failed. */
    public String source() {
        return source;
    }

    /**
     * Three lines: the reason with its column, the expression, and a caret under the column, e.g.
     * <pre>
     * expected a value after 'in' at column 16
     *   other_ip in &amp;&amp; x
     *               ^
     * </pre>
     */
    public String describe() {
        StringBuilder sb = new StringBuilder(getMessage()).append('\n');
        String shown = source.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
        sb.append("  ").append(shown).append('\n').append("  ");
        for (int i = 1; i < column; i++) {
            sb.append(' ');
        }
        return sb.append('^').toString();
    }
}
