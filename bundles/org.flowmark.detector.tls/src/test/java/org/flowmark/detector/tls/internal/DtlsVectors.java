package org.flowmark.detector.tls.internal;

import java.io.ByteArrayOutputStream;
import java.lang.annotation.Annotation;
import java.util.Arrays;
import java.util.List;

import org.flowmark.api.detector.Detector;
import org.flowmark.testkit.FakeFlow;

/**
 * DTLS test vectors: the recorded flows of {@code distribution/src/test/lab/record-dtls.sh} and builders for
 * records and handshake messages laid out by RFC 6347 / RFC 9147 (for what OpenSSL 3.0 cannot produce: DTLS 1.3).
 */
final class DtlsVectors {

    /**
     * dtls-1.2.pcap: 0 C ClientHello (no cookie), 1 S HelloVerifyRequest (20-byte cookie), 2 C ClientHello with the
     * cookie, 3 S ServerHello + Certificate fragment 0..250, 4 S Certificate fragment 250..597, 5 S Certificate
     * fragment 597..880 + ServerKeyExchange fragment, 6 S ServerKeyExchange rest + ServerHelloDone, 7 C
     * ClientKeyExchange + CCS + Finished, 8 S NewSessionTicket + CCS + Finished, 9 C application data,
     * 10 C / 11 S alerts (epoch 1).
     */
    static final List<FakeFlow.Segment> DTLS12 = FakeFlow.Segment.load(DtlsVectors.class, "dtls-1.2.hex");
    /** dtls-1.0-weak.pcap: CH, HVR, CH with cookie, SH + Certificate + ServerHelloDone in one datagram, ... */
    static final List<FakeFlow.Segment> DTLS10 = FakeFlow.Segment.load(DtlsVectors.class, "dtls-1.0-weak.hex");

    private DtlsVectors() {
    }

    static DtlsDetector detector(int cap) {
        return new DtlsDetector(new DtlsDetector.Config() {
            @Override public int reassemblyBytes() { return cap; }
            @Override public Class<? extends Annotation> annotationType() { return DtlsDetector.Config.class; }
        });
    }

    static DtlsDetector detector() {
        return detector(DtlsDetector.DEFAULT_REASSEMBLY);
    }

    /** A UDP flow from port 50000 to 443 with 16 packets for collect. */
    static FakeFlow flow(Detector detector) {
        return new FakeFlow(detector, 16, FakeFlow.UDP, 50_000, 443);
    }

    static byte[] payload(List<FakeFlow.Segment> flow, int i) {
        return flow.get(i).payload().clone();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] u8(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    static byte[] u16(int... v) {
        byte[] b = new byte[2 * v.length];
        for (int i = 0; i < v.length; i++) {
            b[2 * i] = (byte) (v[i] >> 8);
            b[2 * i + 1] = (byte) v[i];
        }
        return b;
    }

    static byte[] u24(int v) {
        return u8(v >> 16, v >> 8, v);
    }

    /** A plaintext record (RFC 6347 section 4.1). */
    static byte[] record(int type, int version, int epoch, long seq, byte[] body) {
        return concat(u8(type), u16(version, epoch), u16((int) (seq >>> 32)), u16((int) (seq >>> 16) & 0xffff,
            (int) seq & 0xffff), u16(body.length), body);
    }

    /** A handshake fragment (RFC 6347 section 4.2.2). */
    static byte[] fragment(int type, int msgSeq, int msgLen, int off, byte[] part) {
        return concat(u8(type), u24(msgLen), u16(msgSeq), u24(off), u24(part.length), part);
    }

    /** A whole handshake message in one fragment. */
    static byte[] handshake(int type, int msgSeq, byte[] body) {
        return fragment(type, msgSeq, body.length, 0, body);
    }

    static byte[] ext(int type, byte[] data) {
        return concat(u16(type, data.length), data);
    }

    static byte[] random() {
        byte[] r = new byte[32];
        Arrays.fill(r, (byte) 0x5a);
        return r;
    }

    /**
     * A DTLS 1.3 ClientHello body (RFC 9147 section 5.3: legacy_version 1.2, empty legacy_cookie) with SNI
     * {@code sni}, suites 0x1301..0x1303, supported_groups, signature_algorithms, supported_versions [1.3, 1.2]
     * and an x25519 key_share.
     */
    static byte[] clientHello13(String sni) {
        byte[] name = sni.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] exts = concat(
            ext(0x0000, concat(u16(name.length + 3), u8(0), u16(name.length), name)),
            ext(0x000a, u16(4, 0x001d, 0x0017)),
            ext(0x000d, u16(4, 0x0403, 0x0804)),
            ext(0x002b, concat(u8(4), u16(0xfefc, 0xfefd))),
            ext(0x0033, concat(u16(36, 0x001d, 32), new byte[32])));
        return concat(u16(0xfefd), random(), u8(0), u8(0), u16(6, 0x1301, 0x1302, 0x1303), u8(1, 0),
            u16(exts.length), exts);
    }

    /** A ServerHello body; {@code selected} 0 leaves supported_versions out. */
    static byte[] serverHello(int version, int cipher, int selected) {
        byte[] exts = selected == 0 ? new byte[0] : ext(0x002b, u16(selected));
        return concat(u16(version), random(), u8(0), u16(cipher), u8(0), u16(exts.length), exts);
    }

    /** A DTLS 1.3 encrypted record with a unified header: 0x2c = 001 C=0 S=1 L=1 epoch 0, 16-bit seq, length. */
    static byte[] unified(int seq, int len) {
        byte[] body = new byte[len];
        Arrays.fill(body, (byte) 0xa5);
        return concat(u8(0x2c), u16(seq, len), body);
    }
}
