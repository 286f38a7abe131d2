/*
 * QUIC Initial packet protection with the JDK's javax.crypto only.
 *
 * References: RFC 9001 section 5.2 (initial secrets: HKDF-Extract(salt, client DCID), HKDF-Expand-Label "client in"),
 * section 5.1 and RFC 8446 section 7.1 (HKDF-Expand-Label: length, "tls13 " + label, empty context), section 5.3
 * (AEAD_AES_128_GCM, nonce = iv XOR left-padded packet number, AAD = the unprotected header), section 5.4 (header
 * protection: sample of 16 bytes at pn_offset + 4, AES-ECB mask, low 4 bits of a long header's first byte and the
 * packet-number bytes), RFC 5869 (HKDF), RFC 9369 section 3.3 (v2 labels "quicv2 key/iv/hp").
 */
package org.flowmark.detector.quic.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.flowmark.api.packet.PacketView;

/**
 * One per thread ({@link #get()}): the reusable Mac/Cipher instances and scratch buffers that derive Initial keys
 * and remove Initial packet protection. Nothing here is shared between threads; nothing is kept per flow (the
 * derived keys live in {@link InitialKeys}, held by the flow's state).
 */
final class QuicCrypto {

    /** Largest protected packet this engine takes (QUIC Initials are ~1200-1500 bytes; jumbo frames fit). */
    static final int MAX_PACKET = 16384;
    static final int TAG_LEN = 16;

    private static final ThreadLocal<QuicCrypto> PER_THREAD = ThreadLocal.withInitial(QuicCrypto::new);

    private static final byte[] CLIENT_IN = label("client in");
    private static final byte[] SERVER_IN = label("server in");
    private static final byte[] KEY_V1 = label("quic key");
    private static final byte[] IV_V1 = label("quic iv");
    private static final byte[] HP_V1 = label("quic hp");
    private static final byte[] KEY_V2 = label("quicv2 key");
    private static final byte[] IV_V2 = label("quicv2 iv");
    private static final byte[] HP_V2 = label("quicv2 hp");

    private final Mac hmac;
    private final Cipher ecb;
    private final Cipher gcm;
    /** Copy of the protected packet, header unprotected in place. */
    final byte[] packet = new byte[MAX_PACKET];
    /** Decrypted payload of the last {@link #decrypt} call. */
    final byte[] plain = new byte[MAX_PACKET];
    private final byte[] mask = new byte[16];
    private final byte[] nonce = new byte[12];
    private final byte[] secret = new byte[32];
    private final byte[] info = new byte[64];
    /** Reusable long-header parse and a view over {@link #plain} for this thread. */
    final LongHeader header = new LongHeader();
    final org.flowmark.api.packet.ByteArrayPacketView plainView = new org.flowmark.api.packet.ByteArrayPacketView();
    /** Unprotected first byte and packet number of the last decrypted packet. */
    int firstByte;
    long packetNumber;

    private QuicCrypto() {
        try {
            hmac = Mac.getInstance("HmacSHA256");
            ecb = Cipher.getInstance("AES/ECB/NoPadding");
            gcm = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks HmacSHA256 or AES (required by Java SE)", e);
        }
    }

    static QuicCrypto get() {
        return PER_THREAD.get();
    }

    private static byte[] label(String s) {
        return ("tls13 " + s).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Derives the Initial keys of one direction for {@code dcid = p[dcidOff, dcidOff+dcidLen)} into {@code out}.
     * Allocates (key specs): once per flow and connection ID.
     */
    void derive(long version, byte[] salt, PacketView p, int dcidOff, int dcidLen, boolean server, InitialKeys out)
        throws GeneralSecurityException {
        byte[] dcid = new byte[dcidLen];
        p.copyTo(dcidOff, dcid, 0, dcidLen);
        derive(version, salt, dcid, server, out);
    }

    void derive(long version, byte[] salt, byte[] dcid, boolean server, InitialKeys out) throws GeneralSecurityException {
        hmac.init(new SecretKeySpec(salt, "HmacSHA256"));
        byte[] initial = hmac.doFinal(dcid); // HKDF-Extract
        expandLabel(initial, server ? SERVER_IN : CLIENT_IN, secret, 32);
        boolean v2 = version == QuicVersions.V2;
        byte[] key = new byte[16];
        byte[] hp = new byte[16];
        expandLabel(secret, v2 ? KEY_V2 : KEY_V1, key, 16);
        expandLabel(secret, v2 ? IV_V2 : IV_V1, out.iv, 12);
        expandLabel(secret, v2 ? HP_V2 : HP_V1, hp, 16);
        out.version = version;
        out.dcid = dcid;
        out.key = new SecretKeySpec(key, "AES");
        out.hp = new SecretKeySpec(hp, "AES");
    }

    /** HKDF-Expand-Label(prk, label, "", len) for len <= 32 (one HMAC block). */
    private void expandLabel(byte[] prk, byte[] fullLabel, byte[] dst, int len) throws GeneralSecurityException {
        int n = 0;
        info[n++] = (byte) (len >> 8);
        info[n++] = (byte) len;
        info[n++] = (byte) fullLabel.length;
        System.arraycopy(fullLabel, 0, info, n, fullLabel.length);
        n += fullLabel.length;
        info[n++] = 0; // empty context
        info[n++] = 1; // HKDF-Expand block counter
        hmac.init(new SecretKeySpec(prk, "HmacSHA256"));
        hmac.update(info, 0, n);
        byte[] t = hmac.doFinal();
        System.arraycopy(t, 0, dst, 0, len);
    }

    /** Test hook: the secret of the last {@link #derive} (client_initial_secret or server_initial_secret). */
    byte[] lastSecret() {
        return secret.clone();
    }

    /**
     * Removes header protection and decrypts one long-header packet {@code p[start, end)} whose packet number
     * starts at {@code pnOffset} (absolute). Returns the plaintext length (plaintext in {@link #plain}), or -1 when
     * the packet is too short or too long, or the AEAD tag does not verify (wrong keys, corruption).
     */
    int decrypt(PacketView p, int start, int pnOffset, int end, InitialKeys k) {
        int total = end - start;
        int pnRel = pnOffset - start;
        if (total > MAX_PACKET || pnRel + 4 + 16 > total) {
            return -1;
        }
        p.copyTo(start, packet, 0, total);
        try {
            ecb.init(Cipher.ENCRYPT_MODE, k.hp);
            ecb.doFinal(packet, pnRel + 4, 16, mask, 0);
            int b0 = (packet[0] & 0xff) ^ (mask[0] & 0x0f);
            packet[0] = (byte) b0;
            int pnLen = (b0 & 3) + 1;
            long pn = 0;
            for (int i = 0; i < pnLen; i++) {
                int b = (packet[pnRel + i] ^ mask[1 + i]) & 0xff;
                packet[pnRel + i] = (byte) b;
                pn = (pn << 8) | b;
            }
            int hdr = pnRel + pnLen;
            int ctLen = total - hdr;
            if (ctLen < TAG_LEN) {
                return -1;
            }
            System.arraycopy(k.iv, 0, nonce, 0, 12);
            for (int i = 0; i < 8; i++) {
                nonce[11 - i] ^= (byte) (pn >>> (8 * i));
            }
            gcm.init(Cipher.DECRYPT_MODE, k.key, new GCMParameterSpec(128, nonce));
            gcm.updateAAD(packet, 0, hdr);
            int n = gcm.doFinal(packet, hdr, ctLen, plain, 0);
            firstByte = b0;
            packetNumber = pn;
            return n;
        } catch (GeneralSecurityException | IllegalStateException e) {
            return -1; // AEADBadTagException above all: not our keys or a corrupted packet
        }
    }
}
