package org.flowmark.sink.json.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.flowmark.sink.json.internal.SinkRecord.Format;
import org.flowmark.sink.json.internal.SinkRecord.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueuedOutputTest {

    /** A stream whose writes block until released; records what was written. */
    static final class GateStream extends OutputStream {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final ByteArrayOutputStream data = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            synchronized (data) {
                data.write(b, off, len);
            }
        }

        List<String> lines() {
            synchronized (data) {
                String s = data.toString(StandardCharsets.UTF_8);
                return s.isEmpty() ? List.of() : List.of(s.split("\n"));
            }
        }
    }

    private static StreamOutput stream(String name, OutputStream out, int queue, boolean backpressure,
            TestSupport.Log log) {
        return (StreamOutput) new StreamOutput(name, out, Format.NDJSON, EnumSet.allOf(Kind.class), queue,
                backpressure, log.logger).start();
    }

    @Test
    void liveOutputDropsAndCountsWhenConsumerIsBlocked() throws Exception {
        TestSupport.Log log = new TestSupport.Log();
        GateStream out = new GateStream();
        StreamOutput o = stream("t-live", out, 2, false, log);
        o.offer("line-0");
        assertTrue(out.entered.await(5, TimeUnit.SECONDS), "writer took the first line and blocked");
        long t0 = System.nanoTime();
        for (int i = 1; i <= 10; i++) {
            o.offer("line-" + i);
        }
        assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(500), "offer never waits when live");
        assertEquals(8, o.dropped(), "queue of 2 keeps line-1 and line-2");
        assertEquals(1, log.at("warn").size(), "one warning per burst: " + log.entries);
        assertTrue(log.has("warn", "t-live"), "message names the output");
        out.release.countDown();
        assertTrue(o.drain(TestSupport.deadline(5000)));
        assertEquals(List.of("line-0", "line-1", "line-2"), out.lines());
        o.offer("line-11");
        assertTrue(log.has("info", "room again"), log.entries.toString());
        o.close(5000);
        assertEquals(List.of("line-0", "line-1", "line-2", "line-11"), out.lines());
        assertEquals(List.of(), TestSupport.sinkThreads("t-live"));
    }

    @Test
    void readModeOutputBlocksTheProducerAndLosesNothing() throws Exception {
        TestSupport.Log log = new TestSupport.Log();
        GateStream out = new GateStream();
        StreamOutput o = stream("t-read", out, 2, true, log);
        Thread producer = new Thread(() -> {
            for (int i = 0; i < 50; i++) {
                o.offer("line-" + i);
            }
        });
        producer.start();
        assertTrue(out.entered.await(5, TimeUnit.SECONDS));
        Thread.sleep(300);
        assertTrue(producer.isAlive(), "producer waits for room");
        assertTrue(producer.getState() == Thread.State.TIMED_WAITING || producer.getState() == Thread.State.WAITING,
                producer.getState().toString());
        assertEquals(0, o.dropped());
        out.release.countDown();
        producer.join(5000);
        assertFalse(producer.isAlive());
        assertTrue(o.drain(TestSupport.deadline(5000)));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            expected.add("line-" + i);
        }
        assertEquals(expected, out.lines());
        assertEquals(0, o.dropped());
        o.close(5000);
        assertEquals(List.of(), TestSupport.sinkThreads("t-read"));
    }

    @Test
    void drainWritesAndFlushesEverythingQueuedToTheFile(@TempDir Path dir) throws Exception {
        TestSupport.Log log = new TestSupport.Log();
        Path file = dir.resolve("flows.ndjson");
        Files.writeString(file, "existing\n");
        FileOutput o = (FileOutput) new FileOutput("t-file", file, Format.NDJSON, EnumSet.allOf(Kind.class), 8192,
                false, log.logger).start();
        for (int i = 0; i < 5000; i++) {
            o.offer("{\"n\":" + i + "}");
        }
        assertTrue(o.drain(TestSupport.deadline(5000)));
        List<String> lines = Files.readAllLines(file);
        assertEquals(5001, lines.size(), "appended, all flushed by the drain");
        assertEquals("existing", lines.get(0));
        assertEquals("{\"n\":4999}", lines.get(5000));
        o.offer("{\"n\":\"after\"}");
        o.close(5000);
        assertEquals("{\"n\":\"after\"}", Files.readAllLines(file).get(5001), "close writes what is queued");
        assertEquals(0, o.dropped() + o.failed());
        assertEquals(List.of(), TestSupport.sinkThreads("t-file"));
    }

    @Test
    void unopenableFileIsReportedAndRetriedWhileTheOutputStaysAlive(@TempDir Path dir) throws Exception {
        TestSupport.Log log = new TestSupport.Log();
        Path file = dir.resolve("later/flows.txt");
        FileOutput o = (FileOutput) new FileOutput("t-missing", file, Format.TABLE, EnumSet.allOf(Kind.class), 16,
                false, log.logger).retryEvery(TimeUnit.MILLISECONDS.toNanos(100)).start();
        TestSupport.await("open error logged", 5000, () -> log.has("error", file.toString()));
        o.offer("lost-row");
        assertTrue(o.drain(TestSupport.deadline(5000)));
        assertTrue(o.isAlive());
        assertEquals(1, o.failed());
        Files.createDirectories(file.getParent());
        TestSupport.await("file reopened", 5000, o::isOpen);
        o.offer("row-1");
        assertTrue(o.drain(TestSupport.deadline(5000)));
        assertEquals(List.of(TableFormat.HEADER, "row-1"), Files.readAllLines(file), "header before the first row");
        assertTrue(log.has("info", "open again"));
        assertEquals(1, log.at("error").size(), "logged once, not per record: " + log.entries);
        o.close(5000);
        assertEquals(List.of(), TestSupport.sinkThreads("t-missing"));
    }

    @Test
    void rotatedFileIsReopened(@TempDir Path dir) throws Exception {
        TestSupport.Log log = new TestSupport.Log();
        Path file = dir.resolve("flows.ndjson");
        FileOutput o = (FileOutput) new FileOutput("t-rot", file, Format.NDJSON, EnumSet.allOf(Kind.class), 16,
                false, log.logger).start();
        o.offer("a");
        assertTrue(o.drain(TestSupport.deadline(5000)));
        Files.move(file, dir.resolve("flows.ndjson.1"));
        TestSupport.await("reopened after rotation", 5000, () -> Files.exists(file));
        o.offer("b");
        o.close(5000);
        assertEquals(List.of("a"), Files.readAllLines(dir.resolve("flows.ndjson.1")));
        assertEquals(List.of("b"), Files.readAllLines(file));
    }

    @Test
    void includeAndFormatSelectTheLine() throws Exception {
        TestSupport.Log log = new TestSupport.Log();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StreamOutput o = (StreamOutput) new StreamOutput("t-table", out, Format.TABLE, EnumSet.of(Kind.PURGE), 16,
                false, log.logger).start();
        o.accept(new SinkRecord(Kind.CLASSIFIED, "{\"c\":1}", "classified-row"));
        o.accept(new SinkRecord(Kind.PURGE, "{\"p\":1}", "purge-row"));
        o.accept(new SinkRecord(Kind.PURGE, "{\"p\":2}", null));
        assertTrue(o.drain(TestSupport.deadline(5000)));
        assertEquals(TableFormat.HEADER + "\npurge-row\n", out.toString(StandardCharsets.UTF_8));
        o.close(1000);
    }
}
