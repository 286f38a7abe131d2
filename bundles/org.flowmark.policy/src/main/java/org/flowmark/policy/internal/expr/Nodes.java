package org.flowmark.policy.internal.expr;

import java.util.Set;

/** The node types of a compiled expression; each evaluates without allocating (see {@link Node}). */
final class Nodes {
    private Nodes() {
    }

    static final class Const implements Node {
        final boolean value;

        Const(boolean value) {
            this.value = value;
        }

        @Override
        public boolean test(FlowContext f) {
            return value;
        }

        @Override
        public String toString() {
            return Boolean.toString(value);
        }
    }

    static final class And implements Node {
        final Node[] terms;

        And(Node[] terms) {
            this.terms = terms;
        }

        @Override
        public boolean test(FlowContext f) {
            for (Node n : terms) {
                if (!n.test(f)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return join(" && ", terms);
        }
    }

    static final class Or implements Node {
        final Node[] terms;

        Or(Node[] terms) {
            this.terms = terms;
        }

        @Override
        public boolean test(FlowContext f) {
            for (Node n : terms) {
                if (n.test(f)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return join(" || ", terms);
        }
    }

    static final class Not implements Node {
        final Node term;

        Not(Node term) {
            this.term = term;
        }

        @Override
        public boolean test(FlowContext f) {
            return !term.test(f);
        }

        @Override
        public String toString() {
            return "!" + term;
        }
    }

    /** A string field equal (ignoring case) to one of the values, or matching one of the globs. */
    static final class StringMatch implements Node {
        final Field field;
        final String[] values;
        final boolean glob;

        StringMatch(Field field, String[] values, boolean glob) {
            this.field = field;
            this.values = values;
            this.glob = glob;
        }

        @Override
        public boolean test(FlowContext f) {
            String v = field.string(f.flow());
            if (v == null) {
                return false;
            }
            for (String x : values) {
                if (glob ? Glob.matches(x, v) : x.equalsIgnoreCase(v)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return "(" + field.label + (glob ? " ~ " : " in ") + String.join("|", values) + ")";
        }
    }

    /** The flow carries one of the risk flags (or a flag matching one of the globs). */
    static final class RiskMatch implements Node {
        final String[] values;
        final boolean glob;

        RiskMatch(String[] values, boolean glob) {
            this.values = values;
            this.glob = glob;
        }

        @Override
        public boolean test(FlowContext f) {
            Set<String> risks = f.flow().detection().risks();
            if (risks.isEmpty()) {
                return false;
            }
            if (!glob) {
                for (String x : values) {
                    if (risks.contains(x)) {
                        return true;
                    }
                }
                return false;
            }
            for (String r : risks) { // the only iterator of evaluation: globs over a flow's few risk flags
                for (String x : values) {
                    if (Glob.matches(x, r)) {
                        return true;
                    }
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return "(risk" + (glob ? " ~ " : " has ") + String.join("|", values) + ")";
        }
    }

    /** An address in one of the prefixes. */
    static final class IpMatch implements Node {
        final boolean local;
        final IpAddress[] nets;
        final int[] bits;

        IpMatch(boolean local, IpAddress[] nets, int[] bits) {
            this.local = local;
            this.nets = nets;
            this.bits = bits;
        }

        @Override
        public boolean test(FlowContext f) {
            IpAddress a = local ? f.localIp() : f.otherIp();
            for (int i = 0; i < nets.length; i++) {
                if (a.in(nets[i], bits[i])) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("(").append(local ? "local_ip" : "other_ip").append(" in ");
            for (int i = 0; i < nets.length; i++) {
                sb.append(i > 0 ? "|" : "").append(nets[i]).append('/').append(bits[i]);
            }
            return sb.append(')').toString();
        }
    }

    /** A number field (port, IP protocol) in one of the closed ranges. */
    static final class NumberMatch implements Node {
        final Field field;
        final int[] lo;
        final int[] hi;

        NumberMatch(Field field, int[] lo, int[] hi) {
            this.field = field;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        public boolean test(FlowContext f) {
            int v = field.number(f.flow());
            for (int i = 0; i < lo.length; i++) {
                if (v >= lo[i] && v <= hi[i]) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("(").append(field.label).append(" in ");
            for (int i = 0; i < lo.length; i++) {
                sb.append(i > 0 ? "|" : "").append(lo[i]);
                if (hi[i] != lo[i]) {
                    sb.append('-').append(hi[i]);
                }
            }
            return sb.append(')').toString();
        }
    }

    private static String join(String op, Node[] terms) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < terms.length; i++) {
            sb.append(i > 0 ? op : "").append(terms[i]);
        }
        return sb.append(')').toString();
    }
}
