package org.flowmark.detector.quic.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

import org.flowmark.api.packet.ByteArrayPacketView;

/** Test vectors and a small Initial packet sealer (the inverse of QuicCrypto.decrypt) for building packets. */
final class Vectors {

    /** RFC 9001 Appendix A.1: client DCID. */
    static final byte[] DCID = QuicVersions.hex("8394c8f03e515708");

    /** RFC 9001 Appendix A.2: the ClientHello in the client Initial's CRYPTO frame (241 bytes). */
    static final byte[] CLIENT_HELLO = QuicVersions.hex(
        "010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c0000041301"
        + "1302010000c000000010000e00000b6578616d706c652e636f6dff01000100000a00080006001d00170018001000"
        + "07000504616c706e000500050100000000003300260024001d00209370b2c9caa47fbabaf4559fedba753de171fa"
        + "71f50f1ce15d43e994ec74d748002b0003020304000d0010000e0403050306030203080408050806002d00020101"
        + "001c00024001003900320408ffffffffffffffff05048000ffff07048000ffff0801100104800075300901100f08"
        + "8394c8f03e51570806048000ffff");

    private Vectors() {
    }

    static byte[] resourceHex(String name) {
        try (InputStream in = Vectors.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return QuicVersions.hex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** RFC 9001 Appendix A.2: the protected client Initial (1200 bytes). */
    static byte[] rfc9001ClientInitial() {
        return resourceHex("rfc9001-client-initial.hex");
    }

    /** RFC 9369 Appendix A.2: the protected QUIC v2 client Initial (1200 bytes). */
    static byte[] rfc9369ClientInitial() {
        return resourceHex("rfc9369-client-initial.hex");
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    /** A CRYPTO frame (type 0x06, or 0x08 for gQUIC) with 2-byte varint offset and length. */
    static byte[] cryptoFrame(int type, int offset, byte[] data, int from, int len) {
        byte[] f = new byte[5 + len];
        f[0] = (byte) type;
        f[1] = (byte) (0x40 | (offset >> 8));
        f[2] = (byte) offset;
        f[3] = (byte) (0x40 | (len >> 8));
        f[4] = (byte) len;
        System.arraycopy(data, from, f, 5, len);
        return f;
    }

    /**
     * Seals a client Initial: long header (version, DCID, empty SCID, no token, 2-byte length, 4-byte packet
     * number), frames padded to {@code padTo} bytes of plaintext, AES-GCM, then header protection.
     */
    static byte[] sealInitial(long version, byte[] dcid, long pn, byte[] frames, int padTo) {
        try {
            InitialKeys k = new InitialKeys();
            QuicCrypto.get().derive(version, QuicVersions.salt(version), dcid, false, k);
            byte[] plain = new byte[Math.max(frames.length, padTo)];
            System.arraycopy(frames, 0, plain, 0, frames.length);
            int pnLen = 4;
            int length = pnLen + plain.length + 16;
            int type = version == QuicVersions.V2 ? 0x10 : 0x00;
            byte[] hdr = concat(new byte[] {(byte) (0xc0 | type | (pnLen - 1)), (byte) (version >> 24),
                (byte) (version >> 16), (byte) (version >> 8), (byte) version, (byte) dcid.length}, dcid,
                new byte[] {0, 0, (byte) (0x40 | (length >> 8)), (byte) length, (byte) (pn >> 24), (byte) (pn >> 16),
                    (byte) (pn >> 8), (byte) pn});
            byte[] nonce = k.iv.clone();
            for (int i = 0; i < 8; i++) {
                nonce[11 - i] ^= (byte) (pn >>> (8 * i));
            }
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, k.key, new GCMParameterSpec(128, nonce));
            gcm.updateAAD(hdr);
            byte[] ct = gcm.doFinal(plain);
            byte[] pkt = concat(hdr, ct);
            int pnOff = hdr.length - pnLen;
            Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(Cipher.ENCRYPT_MODE, k.hp);
            byte[] mask = ecb.doFinal(pkt, pnOff + 4, 16);
            pkt[0] ^= (byte) (mask[0] & 0x0f);
            for (int i = 0; i < pnLen; i++) {
                pkt[pnOff + i] ^= mask[1 + i];
            }
            return pkt;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static ByteArrayPacketView view(byte[] b) {
        return new ByteArrayPacketView(b);
    }
}
