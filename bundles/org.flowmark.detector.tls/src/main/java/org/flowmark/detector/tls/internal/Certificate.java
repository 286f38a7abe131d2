package org.flowmark.detector.tls.internal;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import org.flowmark.api.packet.PacketView;

/**
 * What Flowmark reads from an X.509 certificate (RFC 5280 section 4.1): subject and issuer distinguished names,
 * the subject's common name, the dNSName entries of subjectAltName (section 4.2.1.6) and the validity period. A
 * small bounded DER reader (ITU-T X.690) over a {@link PacketView}: definite lengths only, every element must fit
 * inside its parent, at most {@link #MAX_NAMES} names and {@link #MAX_DN_CHARS} characters of a DN are kept.
 */
final class Certificate {

    static final int MAX_NAMES = 64;
    static final int MAX_DN_CHARS = 512;
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'", Locale.ROOT);

    String subjectDn = "";
    String issuerDn = "";
    /** The last CN attribute of the subject (the most specific), or null. */
    String commonName;
    List<String> dnsNames = Collections.emptyList();
    /** Validity bounds, seconds since the epoch. */
    long notBefore;
    long notAfter;

    /** True when subject and issuer names are the same (a self-issued, typically self-signed certificate). */
    boolean selfIssued() {
        return subjectDn.equals(issuerDn);
    }

    static String iso(long epochSeconds) {
        return LocalDateTime.ofEpochSecond(epochSeconds, 0, ZoneOffset.UTC).format(ISO);
    }

    /**
     * Parses the DER certificate of {@code len} bytes at {@code o}.
     *
     * @throws TlsFormatException when the bytes are not a DER X.509 certificate of the expected shape
     */
    static Certificate parse(PacketView v, int o, int len) throws TlsFormatException {
        if (o < 0 || len < 0 || o + len > v.length()) {
            throw new TlsFormatException("certificate outside the buffer");
        }
        Der d = new Der(v);
        int certEnd = d.enter(o, o + len, 0x30);            // Certificate
        int tbsEnd = d.enter(d.pos, certEnd, 0x30);         // TBSCertificate
        Certificate c = new Certificate();
        if (d.peek(tbsEnd) == 0xa0) {                        // [0] EXPLICIT version
            d.skip(tbsEnd);
        }
        d.expect(tbsEnd, 0x02);                              // serialNumber
        d.expect(tbsEnd, 0x30);                              // signature AlgorithmIdentifier
        int issuerEnd = d.enter(d.pos, tbsEnd, 0x30);
        c.issuerDn = name(d, issuerEnd, null);
        int validityEnd = d.enter(d.pos, tbsEnd, 0x30);
        c.notBefore = time(d, validityEnd);
        c.notAfter = time(d, validityEnd);
        d.pos = validityEnd;
        int subjectEnd = d.enter(d.pos, tbsEnd, 0x30);
        String[] cn = new String[1];
        c.subjectDn = name(d, subjectEnd, cn);
        c.commonName = cn[0];
        d.expect(tbsEnd, 0x30);                              // subjectPublicKeyInfo
        while (d.pos < tbsEnd) {
            int tag = d.peek(tbsEnd);
            if (tag != 0xa3) {                               // [1], [2] unique ids
                d.skip(tbsEnd);
                continue;
            }
            int extsEnd = d.enter(d.pos, tbsEnd, 0xa3);
            int listEnd = d.enter(d.pos, extsEnd, 0x30);
            while (d.pos < listEnd) {
                int extEnd = d.enter(d.pos, listEnd, 0x30);
                int oidEnd = d.enter(d.pos, extEnd, 0x06);
                boolean san = oidEnd - d.pos == 3 && v.u8(d.pos) == 0x55 && v.u8(d.pos + 1) == 0x1d
                    && v.u8(d.pos + 2) == 0x11;               // 2.5.29.17 subjectAltName
                d.pos = oidEnd;
                if (d.peek(extEnd) == 0x01) {                 // critical BOOLEAN
                    d.skip(extEnd);
                }
                int valEnd = d.enter(d.pos, extEnd, 0x04);    // extnValue OCTET STRING
                if (san) {
                    c.dnsNames = altNames(d, valEnd);
                }
                d.pos = extEnd;
            }
            d.pos = extsEnd;
        }
        return c;
    }

    private static List<String> altNames(Der d, int end) throws TlsFormatException {
        int seqEnd = d.enter(d.pos, end, 0x30);
        List<String> out = new ArrayList<>();
        while (d.pos < seqEnd) {
            int tag = d.peek(seqEnd);
            int vEnd = d.enter(d.pos, seqEnd, tag);
            if (tag == 0x82 && out.size() < MAX_NAMES) {      // dNSName [2] IMPLICIT IA5String
                String s = printable(d.v, d.pos, vEnd - d.pos);
                if (s != null) {
                    out.add(s.toLowerCase(Locale.ROOT));
                }
            }
            d.pos = vEnd;
        }
        return out;
    }

    /** Renders a Name as {@code "C=US, O=Example, CN=www.example.com"} in the encoded order. */
    private static String name(Der d, int end, String[] cnOut) throws TlsFormatException {
        StringBuilder sb = new StringBuilder();
        while (d.pos < end) {
            int setEnd = d.enter(d.pos, end, 0x31);          // RelativeDistinguishedName SET
            while (d.pos < setEnd) {
                int atvEnd = d.enter(d.pos, setEnd, 0x30);
                int oidEnd = d.enter(d.pos, atvEnd, 0x06);
                String key = attributeKey(d.v, d.pos, oidEnd - d.pos);
                d.pos = oidEnd;
                int tag = d.peek(atvEnd);
                int valEnd = d.enter(d.pos, atvEnd, tag);
                String value = string(d.v, tag, d.pos, valEnd - d.pos);
                if ("CN".equals(key) && cnOut != null) {
                    cnOut[0] = value;
                }
                if (sb.length() < MAX_DN_CHARS) {
                    if (sb.length() > 0) {
                        sb.append(", ");
                    }
                    sb.append(key).append('=').append(value);
                }
                d.pos = atvEnd;
            }
            d.pos = setEnd;
        }
        return sb.length() > MAX_DN_CHARS ? sb.substring(0, MAX_DN_CHARS) : sb.toString();
    }

    /** Short names of the common attribute types (RFC 4514 section 3), else the dotted OID. */
    private static String attributeKey(PacketView v, int p, int n) {
        if (n == 3 && v.u8(p) == 0x55 && v.u8(p + 1) == 0x04) {
            switch (v.u8(p + 2)) {
                case 3: return "CN";
                case 5: return "serialNumber";
                case 6: return "C";
                case 7: return "L";
                case 8: return "ST";
                case 9: return "street";
                case 10: return "O";
                case 11: return "OU";
                default: break;
            }
        }
        String oid = oid(v, p, n);
        switch (oid) {
            case "1.2.840.113549.1.9.1": return "emailAddress";
            case "0.9.2342.19200300.100.1.25": return "DC";
            case "0.9.2342.19200300.100.1.1": return "UID";
            default: return oid;
        }
    }

    /** Dotted form of an OBJECT IDENTIFIER's content (X.690 section 8.19); at most 16 arcs. */
    static String oid(PacketView v, int p, int n) {
        StringBuilder sb = new StringBuilder();
        long arc = 0;
        int arcs = 0;
        for (int i = 0; i < n && arcs < 16; i++) {
            int b = v.u8(p + i);
            arc = (arc << 7) | (b & 0x7f);
            if ((b & 0x80) == 0) {
                if (arcs == 0) {
                    long first = arc < 80 ? arc / 40 : 2;
                    sb.append(first).append('.').append(arc - first * 40);
                } else {
                    sb.append('.').append(arc);
                }
                arcs++;
                arc = 0;
            } else if (arc > (1L << 48)) {
                break;
            }
        }
        return sb.toString();
    }

    /** Decodes a directory string; control characters become '?'. At most 256 bytes are read. */
    private static String string(PacketView v, int tag, int p, int n) {
        int m = Math.min(n, 256);
        byte[] b = new byte[m];
        v.copyTo(p, b, 0, m);
        String s;
        switch (tag) {
            case 0x0c: s = new String(b, StandardCharsets.UTF_8); break;            // UTF8String
            case 0x1e: s = new String(b, 0, m & ~1, StandardCharsets.UTF_16BE); break; // BMPString
            default: s = new String(b, StandardCharsets.ISO_8859_1); break;          // Printable, IA5, T61
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            sb.append(ch < 0x20 || ch == 0x7f ? '?' : ch);
        }
        return sb.toString();
    }

    private static String printable(PacketView v, int p, int n) {
        if (n < 1 || n > 255) {
            return null;
        }
        for (int i = 0; i < n; i++) {
            int ch = v.u8(p + i);
            if (ch <= 0x20 || ch >= 0x7f) {
                return null;
            }
        }
        return v.ascii(p, n);
    }

    /** Reads a UTCTime or GeneralizedTime (RFC 5280 section 4.1.2.5) as seconds since the epoch. */
    private static long time(Der d, int end) throws TlsFormatException {
        int tag = d.peek(end);
        int vEnd = d.enter(d.pos, end, tag);
        int p = d.pos;
        int n = vEnd - p;
        int year;
        if (tag == 0x17 && n == 13) {
            year = digits(d.v, p, 2);
            year += year >= 50 ? 1900 : 2000;
            p += 2;
        } else if (tag == 0x18 && n == 15) {
            year = digits(d.v, p, 4);
            p += 4;
        } else {
            throw new TlsFormatException("certificate time tag " + tag + " length " + n);
        }
        if (d.v.u8(vEnd - 1) != 'Z') {
            throw new TlsFormatException("certificate time not in UTC");
        }
        int month = digits(d.v, p, 2);
        int day = digits(d.v, p + 2, 2);
        int hour = digits(d.v, p + 4, 2);
        int min = digits(d.v, p + 6, 2);
        int sec = digits(d.v, p + 8, 2);
        if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
            throw new TlsFormatException("certificate time out of range");
        }
        d.pos = vEnd;
        try {
            return LocalDateTime.of(year, month, Math.min(day, 28), hour, min, Math.min(sec, 59))
                .plusDays(Math.max(0, day - 28)).toEpochSecond(ZoneOffset.UTC);
        } catch (RuntimeException e) {
            throw new TlsFormatException("certificate time invalid");
        }
    }

    private static int digits(PacketView v, int p, int n) throws TlsFormatException {
        int x = 0;
        for (int i = 0; i < n; i++) {
            int ch = v.u8(p + i);
            if (ch < '0' || ch > '9') {
                throw new TlsFormatException("certificate time digit");
            }
            x = x * 10 + (ch - '0');
        }
        return x;
    }

    /** A DER cursor: reads tag-length headers and checks every element against its parent's end. */
    static final class Der {
        final PacketView v;
        int pos;

        Der(PacketView v) {
            this.v = v;
        }

        /** The tag at the cursor (single-byte tags only). */
        int peek(int end) throws TlsFormatException {
            if (pos >= end) {
                throw new TlsFormatException("DER element missing");
            }
            int tag = v.u8(pos);
            if ((tag & 0x1f) == 0x1f) {
                throw new TlsFormatException("DER multi-byte tag");
            }
            return tag;
        }

        /**
         * Reads the header of the element with {@code tag} at {@code at}, moves the cursor to its content and
         * returns the content's end. The element must end at or before {@code end}.
         */
        int enter(int at, int end, int tag) throws TlsFormatException {
            pos = at;
            if (peek(end) != tag) {
                throw new TlsFormatException("DER tag " + Integer.toHexString(v.u8(at)) + " where "
                    + Integer.toHexString(tag) + " was expected");
            }
            int p = at + 1;
            if (p >= end) {
                throw new TlsFormatException("DER length missing");
            }
            int l = v.u8(p++);
            long len;
            if (l < 0x80) {
                len = l;
            } else {
                int k = l & 0x7f;
                if (k == 0 || k > 4 || p + k > end) {
                    throw new TlsFormatException("DER length form");
                }
                len = 0;
                for (int i = 0; i < k; i++) {
                    len = (len << 8) | v.u8(p++);
                }
            }
            if (len > end - p) {
                throw new TlsFormatException("DER element passes its parent");
            }
            pos = p;
            return p + (int) len;
        }

        /** Skips the element at the cursor. */
        void skip(int end) throws TlsFormatException {
            pos = enter(pos, end, peek(end));
        }

        /** Skips the element at the cursor, which must carry {@code tag}. */
        void expect(int end, int tag) throws TlsFormatException {
            pos = enter(pos, end, tag);
        }
    }
}
