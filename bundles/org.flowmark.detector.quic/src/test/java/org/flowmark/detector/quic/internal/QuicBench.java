package org.flowmark.detector.quic.internal;

import org.flowmark.testkit.FakeFlow;

/**
 * Benchmark main (not a test): cost per flow of detecting a QUIC v1 client Initial, i.e. key derivation (HKDF),
 * header protection removal, AES-128-GCM decryption of 1162 bytes, frame walk and ClientHello parse with JA4.
 * Run: {@code java -cp target/classes:target/test-classes:<api jar> org.flowmark.detector.quic.internal.QuicBench}
 */
public final class QuicBench {

    private QuicBench() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        QuicDetector d = QuicDetectorTest.newDetector(QuicDetector.DEFAULT_CRYPTO_BYTES);
        byte[] pkt = Vectors.rfc9001ClientInitial();
        run(d, pkt, n / 4); // warm-up
        long t0 = System.nanoTime();
        int ok = run(d, pkt, n);
        long t1 = System.nanoTime();
        System.out.printf("full flow (derive + decrypt + ClientHello + JA4): %.2f us/flow over %d flows (%d detected)%n",
            (t1 - t0) / 1e3 / n, n, ok);
        InitialKeys k = new InitialKeys();
        QuicCrypto c = QuicCrypto.get();
        org.flowmark.api.packet.ByteArrayPacketView v = new org.flowmark.api.packet.ByteArrayPacketView(pkt);
        long t2 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try {
                c.derive(1, QuicVersions.SALT_V1, Vectors.DCID, false, k);
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        long t3 = System.nanoTime();
        int sum = 0;
        for (int i = 0; i < n; i++) {
            sum += c.decrypt(v, 0, 18, 1200, k);
        }
        long t4 = System.nanoTime();
        System.out.printf("key derivation: %.2f us; decrypt one 1200-byte Initial: %.2f us (%d)%n",
            (t3 - t2) / 1e3 / n, (t4 - t3) / 1e3 / n, sum / n);
    }

    private static int run(QuicDetector d, byte[] pkt, int n) {
        int ok = 0;
        for (int i = 0; i < n; i++) {
            FakeFlow f = QuicDetectorTest.quicFlow(d, 12).c(pkt);
            if (f.result().hostname() != null) {
                ok++;
            }
        }
        return ok;
    }
}
