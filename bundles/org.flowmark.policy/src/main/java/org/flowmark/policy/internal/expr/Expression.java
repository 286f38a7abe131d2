package org.flowmark.policy.internal.expr;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.flowmark.api.flow.FlowRecord;

/**
 * A compiled match expression. The language (documented for users in {@code config/examples/README.md}):
 *
 * <pre>
 * expression := or
 * or         := and { "||" and }
 * and        := unary { "&amp;&amp;" unary }
 * unary      := "!" unary | primary
 * primary    := "(" or ")" | "true" | "false" | test
 * test       := FIELD ( "==" | "!=" | "in" | "~" ) values
 * values     := value | "[" value { "," value } "]"
 * value      := STRING | WORD
 * STRING     := '"' { char | '\"' | '\\' } '"'   (or single quotes)
 * WORD       := { letter | digit | "_" | "." | ":" | "/" | "-" | "*" }   (numbers, addresses, CIDRs, ranges)
 * </pre>
 *
 * {@code !} binds tighter than {@code &&}, which binds tighter than {@code ||}. Fields and what their operators mean:
 * <ul>
 * <li>string fields {@code application, protocol, category, hostname, tls_version, interface}: values are quoted
 * strings; {@code ==}/{@code in} compare ignoring case, {@code ~} is a glob ({@code *}, {@code ?}); a flow without
 * the field matches nothing (so {@code !=} is true);</li>
 * <li>{@code risk}: {@code ==}/{@code in} the flow carries the flag, {@code ~} a flag matches the glob;</li>
 * <li>{@code local_ip, other_ip}: {@code ==} one address, {@code in} CIDR prefixes (or addresses), IPv4 and IPv6;</li>
 * <li>{@code local_port, other_port}: {@code ==} a number, {@code in} numbers and ranges {@code 6881-6889};</li>
 * <li>{@code ip_protocol}: {@code tcp, udp, icmp, icmpv6, gre, esp, ah, sctp} or a number.</li>
 * </ul>
 * {@code !=} is {@code !(... == ...)}. {@code tls_version} literals may be written {@code "1.2"}, {@code "TLS1.2"}
 * or {@code "TLSv1.2"}; they are compared with the TLS detector's names ({@code TLSv1}, ..., {@code TLSv1.3}).
 */
public final class Expression {
    private final String source;
    private final Node root;

    private Expression(String source, Node root) {
        this.source = source;
        this.root = root;
    }

    public String source() {
        return source;
    }

    /** Evaluates against the flow in {@code ctx}; allocates nothing. */
    public boolean matches(FlowContext ctx) {
        return root.test(ctx);
    }

    /** Convenience for tests and one-off checks (allocates a context). */
    public boolean matches(FlowRecord r) {
        return root.test(new FlowContext().reset(r));
    }

    /** The compiled tree with explicit grouping, e.g. {@code ((a in x) || ((b in y) && (c in z)))}. */
    public String tree() {
        return root.toString();
    }

    @Override
    public String toString() {
        return source;
    }

    public static Expression compile(String source) throws ExpressionException {
        if (source == null) {
            throw new ExpressionException("", 1, "the match expression is missing");
        }
        return new Expression(source, new Parser(source).parse());
    }

    // ---------------------------------------------------------------------------------------------------- lexer

    private enum T { LPAREN, RPAREN, LBRACK, RBRACK, COMMA, AND, OR, NOT, EQ, NE, TILDE, STRING, WORD, EOF }

    private record Token(T type, String text, int column) {
        String show() {
            switch (type) {
                case EOF: return "end of expression";
                case STRING: return "\"" + text + "\"";
                default: return "'" + text + "'";
            }
        }
    }

    private static final class Parser {
        private final String src;
        private final List<Token> tokens = new ArrayList<>();
        private int pos;

        Parser(String src) {
            this.src = src;
        }

        private ExpressionException error(int column, String reason) {
            return new ExpressionException(src, column, reason);
        }

        private static boolean wordChar(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-'
                    || c == '*';
        }

        private void lex() throws ExpressionException {
            int i = 0;
            int n = src.length();
            while (i < n) {
                char c = src.charAt(i);
                int col = i + 1;
                if (Character.isWhitespace(c)) {
                    i++;
                    continue;
                }
                switch (c) {
                    case '(': tokens.add(new Token(T.LPAREN, "(", col)); i++; continue;
                    case ')': tokens.add(new Token(T.RPAREN, ")", col)); i++; continue;
                    case '[': tokens.add(new Token(T.LBRACK, "[", col)); i++; continue;
                    case ']': tokens.add(new Token(T.RBRACK, "]", col)); i++; continue;
                    case ',': tokens.add(new Token(T.COMMA, ",", col)); i++; continue;
                    case '~': tokens.add(new Token(T.TILDE, "~", col)); i++; continue;
                    case '&':
                        if (i + 1 < n && src.charAt(i + 1) == '&') {
                            tokens.add(new Token(T.AND, "&&", col));
                            i += 2;
                            continue;
                        }
                        throw error(col, "'&' alone is not an operator (did you mean '&&'?)");
                    case '|':
                        if (i + 1 < n && src.charAt(i + 1) == '|') {
                            tokens.add(new Token(T.OR, "||", col));
                            i += 2;
                            continue;
                        }
                        throw error(col, "'|' alone is not an operator (did you mean '||'?)");
                    case '=':
                        if (i + 1 < n && src.charAt(i + 1) == '=') {
                            tokens.add(new Token(T.EQ, "==", col));
                            i += 2;
                            continue;
                        }
                        throw error(col, "'=' alone is not an operator (did you mean '=='?)");
                    case '!':
                        if (i + 1 < n && src.charAt(i + 1) == '=') {
                            tokens.add(new Token(T.NE, "!=", col));
                            i += 2;
                        } else {
                            tokens.add(new Token(T.NOT, "!", col));
                            i++;
                        }
                        continue;
                    case '"':
                    case '\'': {
                        StringBuilder sb = new StringBuilder();
                        int j = i + 1;
                        boolean closed = false;
                        while (j < n) {
                            char d = src.charAt(j);
                            if (d == '\\' && j + 1 < n) {
                                sb.append(src.charAt(j + 1));
                                j += 2;
                                continue;
                            }
                            if (d == c) {
                                closed = true;
                                break;
                            }
                            sb.append(d);
                            j++;
                        }
                        if (!closed) {
                            throw error(col, "unterminated string (no closing " + c + ")");
                        }
                        tokens.add(new Token(T.STRING, sb.toString(), col));
                        i = j + 1;
                        continue;
                    }
                    default:
                }
                if (!wordChar(c)) {
                    throw error(col, "unexpected character '" + c + "'");
                }
                int j = i;
                while (j < n && wordChar(src.charAt(j))) {
                    j++;
                }
                tokens.add(new Token(T.WORD, src.substring(i, j), col));
                i = j;
            }
            tokens.add(new Token(T.EOF, "", n + 1));
        }

        private Token peek() {
            return tokens.get(pos);
        }

        private Token next() {
            return tokens.get(pos++);
        }

        Node parse() throws ExpressionException {
            lex();
            if (peek().type == T.EOF) {
                throw error(1, "the match expression is empty");
            }
            Node n = or();
            Token t = peek();
            if (t.type != T.EOF) {
                throw error(t.column, "unexpected " + t.show() + " (expected '&&', '||' or the end)");
            }
            return n;
        }

        private Node or() throws ExpressionException {
            List<Node> terms = new ArrayList<>();
            terms.add(and());
            while (peek().type == T.OR) {
                next();
                terms.add(and());
            }
            return terms.size() == 1 ? terms.get(0) : new Nodes.Or(terms.toArray(new Node[0]));
        }

        private Node and() throws ExpressionException {
            List<Node> terms = new ArrayList<>();
            terms.add(unary());
            while (peek().type == T.AND) {
                next();
                terms.add(unary());
            }
            return terms.size() == 1 ? terms.get(0) : new Nodes.And(terms.toArray(new Node[0]));
        }

        private Node unary() throws ExpressionException {
            if (peek().type == T.NOT) {
                next();
                return new Nodes.Not(unary());
            }
            return primary();
        }

        private Node primary() throws ExpressionException {
            Token t = next();
            switch (t.type) {
                case LPAREN: {
                    Node n = or();
                    Token close = next();
                    if (close.type != T.RPAREN) {
                        throw error(close.column, "expected ')' to close the '(' at column " + t.column
                                + ", found " + close.show());
                    }
                    return n;
                }
                case WORD: {
                    if (t.text.equals("true") || t.text.equals("false")) {
                        return new Nodes.Const(t.text.equals("true"));
                    }
                    Field f = Field.byLabel(t.text);
                    if (f == null) {
                        throw error(t.column, "unknown field '" + t.text + "' (fields: " + Field.labels() + ")");
                    }
                    return test(f, t);
                }
                default:
                    throw error(t.column, "expected a field, '!' or '(', found " + t.show());
            }
        }

        private Node test(Field f, Token fieldToken) throws ExpressionException {
            Token op = next();
            boolean negate = false;
            boolean in = false;
            boolean glob = false;
            switch (op.type) {
                case EQ: break;
                case NE: negate = true; break;
                case TILDE: glob = true; break;
                case WORD:
                    if (op.text.equals("in")) {
                        in = true;
                        break;
                    }
                    // fall through
                default:
                    throw error(op.column, "expected an operator ('==', '!=', 'in', '~') after '" + f.label
                            + "', found " + op.show());
            }
            List<Token> values = values(op);
            if (!in && values.size() > 1 && !glob) {
                throw error(values.get(0).column - 1, "a list needs 'in' (" + f.label + " in [...])");
            }
            Node n;
            switch (f.kind) {
                case STRING:
                case RISK:
                    n = stringTest(f, values, glob);
                    break;
                case IP:
                    if (glob) {
                        throw error(op.column, "'~' applies to text fields; use 'in' with a CIDR for " + f.label);
                    }
                    n = ipTest(f, values, in);
                    break;
                default:
                    if (glob) {
                        throw error(op.column, "'~' applies to text fields; use 'in' with a range for " + f.label);
                    }
                    n = numberTest(f, values, in);
            }
            return negate ? new Nodes.Not(n) : n;
        }

        private List<Token> values(Token op) throws ExpressionException {
            List<Token> out = new ArrayList<>();
            Token t = next();
            if (t.type == T.LBRACK) {
                while (true) {
                    Token v = next();
                    if (v.type != T.STRING && v.type != T.WORD) {
                        throw error(v.column, "expected a value in the list, found " + v.show());
                    }
                    out.add(v);
                    Token sep = next();
                    if (sep.type == T.RBRACK) {
                        return out;
                    }
                    if (sep.type != T.COMMA) {
                        throw error(sep.column, "expected ',' or ']' in the list, found " + sep.show());
                    }
                }
            }
            if (t.type != T.STRING && t.type != T.WORD) {
                throw error(t.column, "expected a value after '" + op.text + "', found " + t.show());
            }
            out.add(t);
            return out;
        }

        private Node stringTest(Field f, List<Token> values, boolean glob) throws ExpressionException {
            String[] v = new String[values.size()];
            for (int i = 0; i < v.length; i++) {
                Token t = values.get(i);
                if (t.type != T.STRING) {
                    throw error(t.column, f.label + " takes quoted strings: write \"" + t.text + "\"");
                }
                v[i] = f == Field.TLS_VERSION && !glob ? tlsVersion(t.text) : t.text;
            }
            return f == Field.RISK ? new Nodes.RiskMatch(v, glob) : new Nodes.StringMatch(f, v, glob);
        }

        private Node ipTest(Field f, List<Token> values, boolean in) throws ExpressionException {
            IpAddress[] nets = new IpAddress[values.size()];
            int[] bits = new int[nets.length];
            for (int i = 0; i < nets.length; i++) {
                Token t = values.get(i);
                String s = t.text;
                int slash = s.indexOf('/');
                IpAddress a = new IpAddress();
                if (!a.parse(slash < 0 ? s : s.substring(0, slash))) {
                    throw error(t.column, "'" + s + "' is not an IPv4/IPv6 address or CIDR prefix");
                }
                int max = a.v6 ? 128 : 32;
                int b = max;
                if (slash >= 0) {
                    if (!in) {
                        throw error(t.column, "'==' takes one address; use '" + f.label + " in " + s + "'");
                    }
                    try {
                        b = Integer.parseInt(s.substring(slash + 1));
                    } catch (NumberFormatException e) {
                        b = -1;
                    }
                    if (b < 0 || b > max) {
                        throw error(t.column + slash + 1, "prefix length must be 0 to " + max);
                    }
                }
                nets[i] = a;
                bits[i] = b;
            }
            return new Nodes.IpMatch(f == Field.LOCAL_IP, nets, bits);
        }

        private Node numberTest(Field f, List<Token> values, boolean in) throws ExpressionException {
            int[] lo = new int[values.size()];
            int[] hi = new int[lo.length];
            for (int i = 0; i < lo.length; i++) {
                Token t = values.get(i);
                String s = t.text;
                if (f == Field.IP_PROTOCOL) {
                    int p = protocol(s);
                    if (p < 0) {
                        throw error(t.column, "'" + s + "' is not an IP protocol (tcp, udp, icmp, icmpv6, gre, "
                                + "esp, ah, sctp or 0-255)");
                    }
                    lo[i] = hi[i] = p;
                    continue;
                }
                int dash = s.indexOf('-', 1);
                if (dash >= 0 && !in) {
                    throw error(t.column, "'==' takes one port; use '" + f.label + " in " + s + "'");
                }
                lo[i] = port(t, dash < 0 ? s : s.substring(0, dash), t.column);
                hi[i] = dash < 0 ? lo[i] : port(t, s.substring(dash + 1), t.column + dash + 1);
                if (hi[i] < lo[i]) {
                    throw error(t.column, "empty port range " + s);
                }
            }
            return new Nodes.NumberMatch(f, lo, hi);
        }

        private int port(Token t, String s, int column) throws ExpressionException {
            int v = -1;
            if (!s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() <= 5) {
                v = Integer.parseInt(s);
            }
            if (v < 0 || v > 65535) {
                throw error(column, (t.type == T.STRING ? "ports are unquoted numbers: '" : "'") + s
                        + "' is not a port (0-65535)");
            }
            return v;
        }

        static int protocol(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "icmp": return 1;
                case "tcp": return 6;
                case "udp": return 17;
                case "gre": return 47;
                case "esp": return 50;
                case "ah": return 51;
                case "icmpv6": return 58;
                case "sctp": return 132;
                case "udplite": return 136;
                default:
            }
            if (!s.isEmpty() && s.length() <= 3 && s.chars().allMatch(Character::isDigit)) {
                int v = Integer.parseInt(s);
                return v <= 255 ? v : -1;
            }
            return -1;
        }

        static String tlsVersion(String s) {
            String v = s.trim();
            String l = v.toLowerCase(Locale.ROOT);
            if (l.startsWith("tlsv")) {
                l = l.substring(4);
            } else if (l.startsWith("tls")) {
                l = l.substring(3).trim();
            } else if (l.startsWith("sslv") || l.startsWith("ssl")) {
                return l.endsWith("3") || l.endsWith("3.0") ? "SSLv3" : v;
            }
            switch (l) {
                case "1": case "1.0": return "TLSv1";
                case "1.1": return "TLSv1.1";
                case "1.2": return "TLSv1.2";
                case "1.3": return "TLSv1.3";
                default: return v;
            }
        }
    }
}
