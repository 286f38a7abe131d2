package org.flowmark.sink.json.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;

import org.flowmark.sink.json.internal.SinkRecord.Format;
import org.flowmark.sink.json.internal.SinkRecord.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SocketOutputTest {

    private Path dir;

    @BeforeEach
    void mkdir() throws Exception {
        // short path: Unix socket paths are limited to about 100 bytes
        dir = Files.createTempDirectory(Path.of("/tmp"), "fmj");
    }

    @AfterEach
    void rmdir() throws Exception {
        try (var s = Files.walk(dir)) {
            s.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static SocketOutput unix(String name, Path path, int queue, int clientQueue, TestSupport.Log log) {
        return (SocketOutput) new SocketOutput(name, path, 0, Format.NDJSON, EnumSet.allOf(Kind.class), queue,
                clientQueue, false, log.logger).retryEvery(50_000_000L).start();
    }

    /** Reads lines from a channel on a thread of its own until EOF. */
    static final class Reader extends Thread {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        private final SocketChannel ch;

        Reader(SocketChannel ch) {
            this.ch = ch;
            setDaemon(true);
        }

        @Override
        public void run() {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                }
            } catch (Exception e) {
                // closed
            }
        }
    }

    @Test
    void slowClientNeitherStallsTheOutputNorTheOtherClient() throws Exception {
        TestSupport.Log log = new TestSupport.Log();
        Path sock = dir.resolve("s.sock");
        SocketOutput o = unix("t-unix", sock, 1024, 64, log);
        TestSupport.await("listening", 5000, () -> o.boundAddress() != null);
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));

        SocketChannel slow = SocketChannel.open(UnixDomainSocketAddress.of(sock)); // never reads
        TestSupport.await("slow client accepted", 5000, () -> o.clientCount() == 1);
        SocketChannel fast = SocketChannel.open(UnixDomainSocketAddress.of(sock));
        Reader reader = new Reader(fast);
        reader.start();
        TestSupport.await("both accepted", 5000, () -> o.clientCount() == 2);

        String pad = "x".repeat(400);
        int batches = 300;
        int perBatch = 50;
        long t0 = System.nanoTime();
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < perBatch; i++) {
                o.offer("{\"n\":" + (b * perBatch + i) + ",\"pad\":\"" + pad + "\"}");
            }
            assertTrue(o.drain(TestSupport.deadline(5000)), "drain " + b);
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        int total = batches * perBatch;
        TestSupport.await("fast client got everything", 10_000, () -> reader.lines.size() >= total);
        synchronized (reader.lines) {
            for (int n = 0; n < total; n++) {
                assertTrue(reader.lines.get(n).startsWith("{\"n\":" + n + ","), "line " + n);
            }
        }
        assertEquals(0, o.dropped(), "the output's own queue never dropped");
        List<Long> drops = o.clientDropCounts();
        assertEquals(2, drops.size());
        assertTrue(drops.get(0) > 0, "slow client's lines dropped and counted: " + drops);
        assertEquals(0L, drops.get(1), "fast client lost nothing");
        assertEquals(drops.get(0).longValue(), o.clientDrops());
        assertTrue(log.has("warn", "client 1 reads too slowly"), log.entries.toString());
        assertEquals(1, log.at("warn").stream().filter(e -> e.message().contains("too slowly")).count(),
                "logged once per burst");
        assertTrue(millis < 20_000, "took " + millis + " ms");

        o.close(3000);
        assertEquals(List.of(), TestSupport.sinkThreads("t-unix"));
        assertFalse(Files.exists(sock), "socket file removed on close");
        reader.join(5000);
        assertFalse(reader.isAlive(), "client saw end of stream");
        slow.close();
        fast.close();
    }

    @Test
    void staleSocketFileIsReplacedButALiveOneOrAPlainFileIsNot() throws Exception {
        TestSupport.Log log = new TestSupport.Log();
        Path sock = dir.resolve("stale.sock");
        ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        old.bind(UnixDomainSocketAddress.of(sock));
        // live listener: must not be stolen
        SocketOutput blocked = unix("t-live-sock", sock, 16, 16, log);
        TestSupport.await("refusal logged", 5000, () -> log.has("error", "another process is listening"));
        assertTrue(blocked.boundAddress() == null);
        blocked.close(1000);
        assertTrue(Files.exists(sock), "live socket left alone");
        old.close(); // the file stays behind: now stale
        assertTrue(Files.exists(sock));

        SocketOutput o = unix("t-stale", sock, 16, 16, log);
        TestSupport.await("listening", 5000, () -> o.boundAddress() != null);
        assertTrue(log.has("info", "removed stale socket file"));
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            TestSupport.await("accepted", 5000, () -> o.clientCount() == 1);
            o.offer("hello");
            assertTrue(o.drain(TestSupport.deadline(5000)));
            ByteBuffer buf = ByteBuffer.allocate(16);
            while (buf.position() < 6) {
                c.read(buf);
            }
            assertEquals("hello\n", new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        }
        o.close(1000);

        Path plain = dir.resolve("plain.txt");
        Files.writeString(plain, "keep me");
        SocketOutput p = unix("t-plain", plain, 16, 16, log);
        TestSupport.await("refusal logged", 5000, () -> log.has("error", "is not a socket"));
        p.close(1000);
        assertEquals("keep me", Files.readString(plain));
        assertEquals(List.of(), TestSupport.sinkThreads("t-"));
    }

    @Test
    void tcpOutputListensOnLoopbackOnly() throws Exception {
        TestSupport.Log log = new TestSupport.Log();
        SocketOutput o = (SocketOutput) new SocketOutput("t-tcp", null, 0, Format.TABLE, EnumSet.allOf(Kind.class),
                16, 16, false, log.logger).start();
        TestSupport.await("listening", 5000, () -> o.boundAddress() != null);
        InetSocketAddress a = (InetSocketAddress) o.boundAddress();
        assertTrue(a.getAddress().isLoopbackAddress(), a.toString());
        assertEquals("127.0.0.1", a.getAddress().getHostAddress());
        try (SocketChannel c = SocketChannel.open(a)) {
            Reader r = new Reader(c);
            r.start();
            TestSupport.await("accepted", 5000, () -> o.clientCount() == 1);
            o.offer("row-1");
            o.offer("row-2");
            assertTrue(o.drain(TestSupport.deadline(5000)));
            TestSupport.await("received", 5000, () -> r.lines.size() == 3);
            assertEquals(List.of(TableFormat.HEADER, "row-1", "row-2"), r.lines, "each client gets the header");
            o.close(1000);
            r.join(5000);
            assertFalse(r.isAlive());
        }
        assertEquals(List.of(), TestSupport.sinkThreads("t-tcp"));
    }
}
