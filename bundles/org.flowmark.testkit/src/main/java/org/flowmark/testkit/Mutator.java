package org.flowmark.testkit;

import java.util.Arrays;
import java.util.Random;

/**
 * Byte-level mutations for seeded fuzz tests: flip a bit, overwrite, insert, delete, truncate, extend. The same
 * {@link Random} seed gives the same sequence of mutations, so a failing case can be replayed from its seed.
 */
public final class Mutator {

    private Mutator() {
    }

    /**
     * Applies one to four random mutations. May change {@code in} in place (bit flips, overwrites) and returns
     * either it or a new array; pass a copy to keep the original.
     */
    public static byte[] mutate(Random rnd, byte[] in) {
        byte[] b = in;
        int n = 1 + rnd.nextInt(4);
        for (int k = 0; k < n; k++) {
            switch (rnd.nextInt(6)) {
                case 0:
                    if (b.length > 0) {
                        b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                    }
                    break;
                case 1:
                    if (b.length > 0) {
                        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    }
                    break;
                case 2: {
                    int at = rnd.nextInt(b.length + 1);
                    byte[] c = new byte[b.length + 1];
                    System.arraycopy(b, 0, c, 0, at);
                    c[at] = (byte) rnd.nextInt(256);
                    System.arraycopy(b, at, c, at + 1, b.length - at);
                    b = c;
                    break;
                }
                case 3:
                    if (b.length > 0) {
                        int at = rnd.nextInt(b.length);
                        byte[] c = new byte[b.length - 1];
                        System.arraycopy(b, 0, c, 0, at);
                        System.arraycopy(b, at + 1, c, at, b.length - at - 1);
                        b = c;
                    }
                    break;
                case 4:
                    b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                    break;
                default: {
                    int extra = 1 + rnd.nextInt(32);
                    byte[] c = Arrays.copyOf(b, b.length + extra);
                    for (int i = b.length; i < c.length; i++) {
                        c[i] = (byte) rnd.nextInt(256);
                    }
                    b = c;
                    break;
                }
            }
        }
        return b;
    }
}
