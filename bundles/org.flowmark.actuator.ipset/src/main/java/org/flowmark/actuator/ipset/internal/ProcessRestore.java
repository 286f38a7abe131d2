package org.flowmark.actuator.ipset.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code ipset -exist restore} as a child process. Its stdout is made line-buffered with {@code stdbuf -oL} (when
 * present) so the {@code list -n SET} line written after each COMMIT comes back at once: that line is the proof
 * that the batch before it is in the kernel. Two daemon threads read stdout (lines to a queue) and stderr (kept,
 * bounded, for the error report).
 */
final class ProcessRestore implements RestoreChannel {
    private final Process process;
    private final OutputStream in;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>(4096);
    private final StringBuilder err = new StringBuilder();
    private final Thread errReader;

    private ProcessRestore(Process process) {
        this.process = process;
        this.in = process.getOutputStream();
        Thread out = new Thread(() -> pump(process.getInputStream(), true), "flowmark-ipset-stdout");
        out.setDaemon(true);
        out.start();
        errReader = new Thread(() -> pump(process.getErrorStream(), false), "flowmark-ipset-stderr");
        errReader.setDaemon(true);
        errReader.start();
    }

    static Launcher launcher(String ipset, String stdbuf) {
        return () -> {
            List<String> cmd = new ArrayList<>();
            if (stdbuf != null) {
                cmd.add(stdbuf);
                cmd.add("-oL");
            }
            cmd.add(ipset);
            cmd.add("-exist");
            cmd.add("restore");
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("LC_ALL", "C");
            return new ProcessRestore(pb.start());
        };
    }

    private void pump(InputStream s, boolean stdout) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (stdout) {
                    lines.offer(line);
                } else {
                    synchronized (err) {
                        if (err.length() < 8192) {
                            err.append(line).append('\n');
                        }
                    }
                }
            }
        } catch (IOException e) {
            // the child is gone
        }
    }

    @Override
    public void write(String text) throws IOException {
        in.write(text.getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    @Override
    public String readLine(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            String l = lines.poll(20, TimeUnit.MILLISECONDS);
            if (l != null) {
                return l;
            }
            if (!process.isAlive()) {
                return lines.poll(); // drained by the reader before the exit
            }
            if (System.nanoTime() - deadline > 0) {
                return null;
            }
        }
    }

    @Override
    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public String errors(long waitMs) throws InterruptedException {
        process.waitFor(waitMs, TimeUnit.MILLISECONDS);
        errReader.join(waitMs);
        synchronized (err) {
            return err.toString().trim();
        }
    }

    @Override
    public void close() {
        try {
            in.close(); // EOF: the child exits after what it has
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
