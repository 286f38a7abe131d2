package org.flowmark.detector.bittorrent.internal;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.FuzzFrames;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz targets (Jazzer). Without {@code JAZZER_FUZZ} each method replays the inputs under
 * {@code src/test/resources/org/flowmark/detector/bittorrent/internal/BitTorrentFuzzTargetsInputs/<method>/} as a regression test; with {@code JAZZER_FUZZ=1} it
 * fuzzes (see the README). Inputs are framed by {@link FuzzFrames}: byte 0 picks the flow setup, then packets.
 * The detector declares no exception: anything it throws, on any packet sequence, is a finding.
 */
class BitTorrentFuzzTargets {

    @FuzzTest(maxDuration = "90s")
    void detector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        FakeFlow f = BitTorrentDetectorTest.flow((setup & 1) != 0 ? 6 : 17);
        FuzzFrames.forEach(in, 40, f::send);
    }

    /** One payload through every parser of the bundle (bencode, KRPC, uTP, peer wire, trackers). */
    @FuzzTest(maxDuration = "90s")
    void parsers(byte[] in) {
        ByteArrayPacketView v = new ByteArrayPacketView(in);
        Bencode.skip(v, 0, in.length);
        Bencode.find(v, 0, in.length, new byte[] {'y'});
        Krpc.parse(v);
        Utp.payloadOffset(v);
        if (in.length > 0) {
            PeerWire.prefix(v, 0);
        }
        Tracker.httpRequest(v);
        Tracker.httpResponseBody(v);
        Tracker.lsdInfohash(v);
        Tracker.udpRequestAction(v);
        Tracker.udpConnectRequest(v);
    }
}
