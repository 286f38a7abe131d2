package org.flowmark.policy.internal.expr;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz target (Jazzer) for the match-expression parser. Without {@code JAZZER_FUZZ} it replays the
 * inputs under {@code src/test/resources/org/flowmark/policy/internal/expr/ExpressionFuzzTargetsInputs/compile/};
 * with {@code JAZZER_FUZZ=1} it fuzzes (see the README). Any string may only be refused with
 * {@link ExpressionException}; an expression that compiles must evaluate on any flow without throwing.
 */
class ExpressionFuzzTargets {

    @FuzzTest(maxDuration = "90s")
    void compile(byte[] in) {
        String source = new String(in, StandardCharsets.UTF_8);
        Expression e;
        try {
            e = Expression.compile(source);
        } catch (ExpressionException expected) {
            return; // the declared error
        }
        e.tree();
        e.matches(ExpressionTest.ZOOM);
        e.matches(ExpressionTest.V6);
        e.matches(ExpressionTest.UNKNOWN);
    }
}
