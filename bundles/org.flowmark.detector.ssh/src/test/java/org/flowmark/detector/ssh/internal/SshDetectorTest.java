package org.flowmark.detector.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

class SshDetectorTest {

    static SshDetector detector(int max) {
        return new SshDetector(new SshDetector.Config() {
            @Override public int maxKexinitBytes() { return max; }
            @Override public Class<? extends Annotation> annotationType() { return SshDetector.Config.class; }
        });
    }

    private final SshDetector ssh = detector(8192);

    static final String[] CLIENT_LISTS = {
        "curve25519-sha256,ecdh-sha2-nistp256,ext-info-c", "ssh-ed25519,rsa-sha2-512",
        "chacha20-poly1305@openssh.com,aes128-ctr", "chacha20-poly1305@openssh.com,aes128-ctr",
        "hmac-sha2-256-etm@openssh.com,hmac-sha2-256", "hmac-sha2-256-etm@openssh.com,hmac-sha2-256",
        "none,zlib@openssh.com", "none,zlib@openssh.com", "", ""};
    static final String[] SERVER_LISTS = {
        "ecdh-sha2-nistp256,curve25519-sha256,kex-strict-s-v00@openssh.com", "rsa-sha2-512,ssh-ed25519",
        "aes128-ctr,chacha20-poly1305@openssh.com", "aes128-ctr,chacha20-poly1305@openssh.com",
        "hmac-sha2-256", "hmac-sha2-256", "none", "none", "", ""};
    static final String[] WEAK_SERVER = {
        "diffie-hellman-group14-sha1", "ssh-rsa", "aes128-cbc", "aes128-cbc", "hmac-sha1", "hmac-sha1", "none",
        "none", "", ""};

    /** Builds an unencrypted binary packet holding SSH_MSG_KEXINIT with the given ten name-lists (RFC 4253). */
    static byte[] kexinit(String[] lists) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.write(20);
        payload.writeBytes(new byte[16]); // cookie
        for (String l : lists) {
            byte[] b = l.getBytes(StandardCharsets.US_ASCII);
            payload.writeBytes(new byte[] {0, 0, (byte) (b.length >> 8), (byte) b.length});
            payload.writeBytes(b);
        }
        payload.write(0); // first_kex_packet_follows
        payload.writeBytes(new byte[4]);
        int pad = 8 - ((payload.size() + 5) % 8);
        if (pad < 4) {
            pad += 8;
        }
        int plen = payload.size() + pad + 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) (plen >> 24), (byte) (plen >> 16), (byte) (plen >> 8), (byte) plen,
            (byte) pad});
        out.writeBytes(payload.toByteArray());
        out.writeBytes(new byte[pad]);
        return out.toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private FakeFlow flow() {
        return new FakeFlow(ssh, 16, 6, 50000, 22);
    }

    @Test
    void bannersKexinitsHasshAndNegotiation() {
        FakeFlow f = flow().s(ascii("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("SSH", f.result().protocol());
        assertEquals("OpenSSH_9.2p1 Debian-2+deb12u3", f.meta("ssh", "server"));
        // client banner and KEXINIT in one segment; server KEXINIT cut in three segments
        f.c(concat(ascii("SSH-2.0-PuTTY_Release_0.78\r\n"), kexinit(CLIENT_LISTS)));
        assertEquals("PuTTY_Release_0.78", f.meta("ssh", "client"));
        assertEquals(SshDetector.md5(String.join(";", CLIENT_LISTS[0], CLIENT_LISTS[2], CLIENT_LISTS[4],
            CLIENT_LISTS[6])), f.meta("ssh", "hassh"));
        byte[] sk = kexinit(SERVER_LISTS);
        f.s(Arrays.copyOfRange(sk, 0, 3)).s(Arrays.copyOfRange(sk, 3, 100)).s(Arrays.copyOfRange(sk, 100, sk.length));
        assertEquals(SshDetector.md5(String.join(";", SERVER_LISTS[0], SERVER_LISTS[3], SERVER_LISTS[5],
            SERVER_LISTS[7])), f.meta("ssh", "hassh_server"));
        assertEquals("curve25519-sha256", f.meta("ssh", "kex"));
        assertEquals("ssh-ed25519", f.meta("ssh", "host_key"));
        assertEquals("chacha20-poly1305@openssh.com", f.meta("ssh", "cipher"));
        assertNull(f.meta("ssh", "mac")); // AEAD
        assertTrue(f.result().risks().isEmpty());
        assertFalse(f.collecting());
        assertNull(f.stateObject());
    }

    @Test
    void knownHasshValue() {
        // HASSH is the lowercase hex MD5 of the joined lists
        assertEquals("d41d8cd98f00b204e9800998ecf8427e", SshDetector.md5(""));
        assertEquals("900150983cd24fb0d6963f7d28e17f72", SshDetector.md5("abc"));
    }

    @Test
    void weakNegotiationRaisesRisk() {
        String[] client = CLIENT_LISTS.clone();
        client[0] = "curve25519-sha256,diffie-hellman-group14-sha1";
        client[2] = "aes256-gcm@openssh.com,aes128-cbc";
        FakeFlow f = flow().s(concat(ascii("SSH-2.0-OpenSSH_7.4\r\n"), kexinit(WEAK_SERVER)))
            .c(concat(ascii("SSH-2.0-OpenSSH_9.6\r\n"), kexinit(client)));
        assertEquals("diffie-hellman-group14-sha1", f.meta("ssh", "kex"));
        assertEquals("aes128-cbc", f.meta("ssh", "cipher"));
        assertEquals(java.util.List.of(SshDetector.RISK_WEAK), f.result().risks());
        // the strong server lists with the same client: nothing weak is negotiated
        FakeFlow g = flow().s(concat(ascii("SSH-2.0-OpenSSH_9.2\r\n"), kexinit(SERVER_LISTS)))
            .c(concat(ascii("SSH-2.0-OpenSSH_9.6\r\n"), kexinit(client)));
        assertTrue(g.result().risks().isEmpty());
    }

    @Test
    void splitBannerRetransmissionAndPreBannerLines() {
        FakeFlow f = flow().s(ascii("SSH-2.0-Open"));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.s(ascii("SSH_8.0\r\n"));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("OpenSSH_8.0", f.meta("ssh", "server"));
        // a server may send other lines first (RFC 4253 4.2)
        FakeFlow g = flow().s(ascii("Welcome to the box\r\nSSH-1.99-Cisco-1.25\r\n"));
        assertEquals(Verdict.DETECTED, g.verdict());
        assertEquals("1.99", g.meta("ssh", "server_version"));
        // a retransmitted segment is not parsed twice
        byte[] banner = ascii("SSH-2.0-x\r\n");
        FakeFlow h = flow();
        h.deliver(true, banner, 1000);
        h.deliver(true, banner, 1000);
        assertEquals("x", h.meta("ssh", "client"));
    }

    @Test
    void nonSshIsExcluded() {
        assertEquals(Verdict.EXCLUDED, flow().c(ascii("GET / HTTP/1.1\r\n")).verdict());
        assertEquals(Verdict.EXCLUDED, flow().c(ascii("SSH-3.0-x\r\n")).verdict());
        assertEquals(Verdict.EXCLUDED, flow().c(ascii("SSH-2.0-\r\n")).verdict());
        assertEquals(Verdict.EXCLUDED, flow().c(ascii("SSH-2.0-a\u0001b\r\n")).verdict());
        assertEquals(Verdict.EXCLUDED, flow().s(ascii("220 smtp ready\r\n250 ok\r\n")).s(ascii("xx")).verdict());
        byte[] longLine = new byte[300];
        Arrays.fill(longLine, (byte) 'a');
        System.arraycopy(ascii("SSH-2.0-"), 0, longLine, 0, 8);
        assertEquals(Verdict.EXCLUDED, flow().c(longLine).verdict());
    }

    @Test
    void parserLineAndKexinit() {
        ByteArrayPacketView v = ByteArrayPacketView.ofAscii("SSH-2.0-OpenSSH_9.2\n");
        assertEquals(20, SshParser.line(v, 0, v.length()));
        assertEquals(SshParser.INCOMPLETE, SshParser.line(v, 0, 10));
        byte[] k = kexinit(SERVER_LISTS);
        ByteArrayPacketView kv = new ByteArrayPacketView(k);
        assertEquals(k.length, SshParser.packetSize(kv, 0, 8192));
        String[] lists = new String[10];
        assertTrue(SshParser.kexinit(kv, 0, k.length, lists));
        assertEquals(SERVER_LISTS[1], lists[1]);
        k[5] = 21; // not KEXINIT
        assertFalse(SshParser.kexinit(new ByteArrayPacketView(k), 0, k.length, lists));
        assertEquals(-1, SshParser.packetSize(kv, 0, 100)); // beyond the bound
        assertTrue(SshParser.weak("arcfour256"));
        assertTrue(SshParser.weak("hmac-md5-etm@openssh.com"));
        assertFalse(SshParser.weak("aes256-gcm@openssh.com"));
    }
}
