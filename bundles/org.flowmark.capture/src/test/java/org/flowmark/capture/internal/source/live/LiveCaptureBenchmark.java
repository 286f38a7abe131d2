package org.flowmark.capture.internal.source.live;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.flowmark.capture.internal.source.RawPacket;

/**
 * Manual live throughput benchmark (not a test; needs root, libpcap, iproute2 and tcpreplay): replays a capture with
 * {@code tcpreplay --topspeed} into one end of a fresh veth pair and captures on the other end with
 * {@link LivePcapSource}, then prints packets/s received, kernel drops and tcpreplay's own sent count.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$CP org.flowmark.capture.internal.source.live.LiveCaptureBenchmark \
 *     [capture.pcap|synthetic] [loops] [immediate] [bufferMiB] [drain]
 * </pre>
 * With "drain" the reader starts only after tcpreplay has finished, so the received rate is the read path's own
 * (pcap_next_ex + copy) from a full ring, not tcpreplay's sending rate; give a buffer large enough for all packets.
 * "synthetic" (the default) writes 100,000 minimum-size (60-byte) Ethernet/IPv4/UDP frames to a temporary file: the
 * worst case in packets per second.
 */
public final class LiveCaptureBenchmark {

    private static final long WARM = 100_000;

    public static void main(String[] args) throws Exception {
        String capture = args.length > 0 ? args[0] : "synthetic";
        int loops = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        boolean immediate = args.length > 2 && Boolean.parseBoolean(args[2]);
        int bufferMiB = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        boolean drain = args.length > 4 && args[4].equals("drain");
        if (!LiveTestSupport.isRoot() || LiveTestSupport.libpcapProblem() != null
                || !LiveTestSupport.hasCommand("tcpreplay")) {
            System.err.println("needs root, libpcap and tcpreplay (apt-get install tcpreplay)");
            System.exit(2);
        }
        Path file = capture.equals("synthetic") ? synthetic(100_000) : Path.of(capture);
        long pid = ProcessHandle.current().pid();
        String rx = "fmba" + pid;
        String tx = "fmbb" + pid;
        LiveTestSupport.must("ip", "link", "add", rx, "type", "veth", "peer", "name", tx);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LiveTestSupport.quietly("ip", "link", "del", rx)));
        try {
            for (String dev : new String[] {rx, tx}) {
                LiveTestSupport.quietly("sysctl", "-qw", "net.ipv6.conf." + dev + ".disable_ipv6=1");
                LiveTestSupport.must("ip", "link", "set", dev, "mtu", "9000", "up");
            }
            run(file, loops, drain, LiveOptions.of(rx).withImmediate(immediate).withBufferSize(bufferMiB << 20));
        } finally {
            LiveTestSupport.quietly("ip", "link", "del", rx);
            if (capture.equals("synthetic")) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static void run(Path file, int loops, boolean drain, LiveOptions opt) throws Exception {
        String tx = "fmbb" + opt.iface().substring(4);
        AtomicLong received = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        long[] firstLast = new long[3]; // first packet, last packet, packet WARM (JIT warmed up)
        try (LivePcapSource src = LivePcapSource.open(opt)) {
            Thread reader = new Thread(() -> {
                RawPacket p = new RawPacket();
                long n = 0;
                long b = 0;
                long sum = 0;
                try {
                    while (!src.isFinished()) {
                        if (src.next(p)) {
                            if (n == 0) {
                                firstLast[0] = System.nanoTime();
                            }
                            n++;
                            if (n == WARM) {
                                firstLast[2] = System.nanoTime();
                            }
                            b += p.caplen;
                            sum += p.buf.get(p.offset + 12); // touch the data like a decoder would
                            if ((n & 1023) == 0) {
                                received.lazySet(n);
                                firstLast[1] = System.nanoTime();
                            }
                        }
                    }
                } catch (IOException e) {
                    e.printStackTrace();
                }
                firstLast[1] = System.nanoTime();
                received.set(n);
                bytes.set(b + (sum & 0)); // keep sum alive
            }, "capture");
            if (!drain) {
                reader.start();
            }
            Process replay = new ProcessBuilder("tcpreplay", "--topspeed", "--loop=" + loops, "-i", tx,
                    file.toString()).redirectErrorStream(true).start();
            String out = new String(replay.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            replay.waitFor();
            if (drain) {
                Thread.sleep(300); // let the last block retire
                reader.start();
            }
            // let the ring drain, then stop
            long last = -1;
            while (received.get() != last) {
                last = received.get();
                Thread.sleep(300);
            }
            Thread.sleep(200);
            long drops = src.kernelDrops();
            src.close();
            reader.join(5_000);
            long sent = match(out, "Successful packets:\\s+(\\d+)");
            long failed = match(out, "Failed packets:\\s+(\\d+)");
            double replaySecs = matchDouble(out, "Actual: \\d+ packets \\(\\d+ bytes\\) sent in ([0-9.]+) seconds");
            double secs = (firstLast[1] - firstLast[0]) / 1e9;
            double warmSecs = (firstLast[1] - firstLast[2]) / 1e9;
            System.out.printf("capture %s, %d loops, immediate=%s, buffer %d MiB%s%n", file.getFileName(), loops,
                    opt.immediate(), opt.bufferSize() >> 20, drain ? ", reading a full ring after the replay" : "");
            System.out.printf("tcpreplay: sent %,d packets (%,d failed) in %.3f s = %,.0f packets/s%n", sent,
                    failed, replaySecs, sent / replaySecs);
            System.out.printf("flowmark : received %,d packets, %,d bytes in %.3f s = %,.0f packets/s; "
                    + "kernel drops %,d; missing %,d%n", received.get(), bytes.get(), secs, received.get() / secs,
                    drops, sent - received.get());
            if (received.get() > 2 * WARM) {
                System.out.printf("flowmark : after the first %,d packets: %,.0f packets/s%n", WARM,
                        (received.get() - WARM) / warmSecs);
            }
        }
    }

    private static long match(String s, String re) {
        Matcher m = Pattern.compile(re).matcher(s);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static double matchDouble(String s, String re) {
        Matcher m = Pattern.compile(re).matcher(s);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** A pcap of {@code n} 60-byte Ethernet/IPv4/UDP frames (RFC 2544 addresses, varying source ports). */
    static Path synthetic(int n) throws IOException {
        Path f = Files.createTempFile("flowmark-bench", ".pcap");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(f.toFile())))) {
            // pcap global header, big-endian magic
            out.writeInt(0xa1b2c3d4);
            out.writeShort(2);
            out.writeShort(4);
            out.writeInt(0);
            out.writeInt(0);
            out.writeInt(65535);
            out.writeInt(1);
            byte[] frame = new byte[60];
            int[] head = {0x02, 0, 0x5e, 0, 0x53, 1, 0x02, 0, 0x5e, 0, 0x53, 2, 0x08, 0x00, // Ethernet
                0x45, 0, 0, 28 + 18, 0, 0, 0x40, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2, // IPv4
                0, 0, 0x27, 0x0f, 0, 8 + 18, 0, 0}; // UDP to 9999
            for (int i = 0; i < head.length; i++) {
                frame[i] = (byte) head[i];
            }
            for (int i = 0; i < n; i++) {
                frame[34] = (byte) (i >> 8);
                frame[35] = (byte) i;
                out.writeInt(i / 1_000_000);
                out.writeInt(i % 1_000_000);
                out.writeInt(frame.length);
                out.writeInt(frame.length);
                out.write(frame);
            }
        }
        return f;
    }
}
