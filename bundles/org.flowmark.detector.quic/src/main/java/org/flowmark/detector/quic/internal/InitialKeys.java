package org.flowmark.detector.quic.internal;

import java.util.Arrays;

import javax.crypto.spec.SecretKeySpec;

import org.flowmark.api.packet.PacketView;

/** Initial packet keys of one direction, derived once per flow and client destination connection ID. */
final class InitialKeys {
    long version = -1;
    byte[] dcid;
    SecretKeySpec key;
    SecretKeySpec hp;
    final byte[] iv = new byte[12];

    /** True when these keys were derived for {@code version} and the DCID {@code p[off, off+len)}. */
    boolean matches(long v, PacketView p, int off, int len) {
        if (dcid == null || v != version || dcid.length != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if ((byte) p.u8(off + i) != dcid[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "InitialKeys[" + QuicVersions.name(version) + " dcid=" + Arrays.toString(dcid) + "]";
    }
}
