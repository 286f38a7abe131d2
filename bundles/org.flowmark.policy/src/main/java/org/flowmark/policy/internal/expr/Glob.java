package org.flowmark.policy.internal.expr;

/**
 * Case-insensitive glob matching without allocation: {@code *} matches any run of characters (also none),
 * {@code ?} exactly one; everything else matches itself. {@code *.zoom.us} matches {@code us01web.zoom.us} but
 * not {@code zoom.us}.
 */
public final class Glob {
    private Glob() {
    }

    public static boolean matches(String pattern, String text) {
        int p = 0;
        int t = 0;
        int starP = -1;
        int starT = 0;
        int pn = pattern.length();
        int tn = text.length();
        while (t < tn) {
            if (p < pn) {
                char pc = pattern.charAt(p);
                if (pc == '*') {
                    starP = p++;
                    starT = t;
                    continue;
                }
                if (pc == '?' || same(pc, text.charAt(t))) {
                    p++;
                    t++;
                    continue;
                }
            }
            if (starP < 0) {
                return false;
            }
            p = starP + 1; // let the last star eat one more character
            t = ++starT;
        }
        while (p < pn && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pn;
    }

    private static boolean same(char a, char b) {
        return a == b || Character.toLowerCase(a) == Character.toLowerCase(b);
    }
}
