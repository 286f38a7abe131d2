package org.flowmark.detector.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** JA4 and JA3 against the published examples (FoxIO JA4 technical details; a browser's JA3/JA4 report). */
class FingerprintsTest {

    private static int[] hex(String csv) {
        String[] p = csv.split(",");
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Integer.parseInt(p[i], 16);
        }
        return out;
    }

    private static ClientHello hello(String ciphers, String exts, String sigalgs, String alpn, int version) {
        ClientHello h = new ClientHello();
        h.legacyVersion = 0x0303;
        h.maxSupportedVersion = version;
        h.ciphers = hex(ciphers);
        h.cipherCount = h.ciphers.length;
        h.extensions = hex(exts);
        h.extensionCount = h.extensions.length;
        h.sigAlgs = sigalgs.isEmpty() ? new int[0] : hex(sigalgs);
        h.sigAlgCount = h.sigAlgs.length;
        h.sniPresent = true;
        h.alpn = List.of(alpn);
        h.alpnFirstByte = alpn.charAt(0);
        h.alpnLastByte = alpn.charAt(alpn.length() - 1);
        return h;
    }

    /** The worked example of the JA4 specification, with GREASE added to check it is skipped. */
    @Test
    void specificationExample() {
        ClientHello h = hello("0a0a,1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035",
            "1a1a,001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015,fafa",
            "0403,0804,0401,0503,0805,0501,0806,0601", "h2", 0x0304);
        assertEquals("t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
            + "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
            + "0403,0804,0401,0503,0805,0501,0806,0601", Fingerprints.ja4Raw(h, 't'));
        assertEquals("t13d1516h2_8daaf6152771_e5627efa2ab1", Fingerprints.ja4(h, 't'));
        h.sigAlgCount = 0; // "no signature algorithms": no underscore in the hashed string
        assertEquals("6d807ffa2a79", Fingerprints.ja4(h, 't').substring(24));
    }

    /** A Chrome hello as a fingerprinting service reported it: JA4, JA4_r and JA3 text and hash. */
    @Test
    void browserReportExample() {
        ClientHello h = hello("1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035",
            "002d,0033,0010,fe0d,0017,44cd,0000,000b,000a,002b,ff01,0023,0012,0005,000d,001b",
            "0403,0804,0401,0503,0805,0501,0806,0601", "h2", 0x0304);
        h.groups = new int[] {4588, 29, 23, 24};
        h.groupCount = 4;
        h.pointFormats = new int[] {0};
        h.pointFormatCount = 1;
        assertEquals("t13d1516h2_8daaf6152771_d8a2da3f94cd", Fingerprints.ja4(h, 't'));
        assertEquals("771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
            + "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0", Fingerprints.ja3String(h));
        assertEquals("98487aa16281980e7d1120d399efb6a4", Fingerprints.ja3(h));
    }

    @Test
    void alpnAndVersionCodes() {
        ClientHello h = hello("1301", "0000,0010", "", "http/1.1", 0);
        assertEquals("t12d0102h1", Fingerprints.ja4a(h, 't'));
        h.alpnFirstByte = 0xab;
        h.alpnLastByte = 0xcd;
        assertEquals("t12d0102ad", Fingerprints.ja4a(h, 't'), "non-alphanumeric: hex digits");
        h.alpnFirstByte = -1;
        h.sniPresent = false;
        h.legacyVersion = 0xfefd;
        assertEquals("dd2i010200", Fingerprints.ja4a(h, 'd'));
        assertEquals("000000000000", Fingerprints.ja4(hello("0a0a", "0a0a", "", "h2", 0), 't').substring(11, 23));
        assertEquals("00", Fingerprints.versionCode(0x1234));
    }
}
