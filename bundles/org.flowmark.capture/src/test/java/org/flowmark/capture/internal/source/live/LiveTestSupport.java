package org.flowmark.capture.internal.source.live;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.flowmark.capture.internal.source.CaptureException;

/** Preconditions and shell helpers shared by the live capture tests. */
final class LiveTestSupport {

    private LiveTestSupport() {
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /** Null when libpcap loads, else why not. */
    static String libpcapProblem() {
        try {
            LibPcap.load();
            return null;
        } catch (CaptureException e) {
            return e.getMessage();
        }
    }

    static boolean hasCommand(String cmd) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", cmd)) || Files.isExecutable(Path.of("/sbin", cmd));
    }

    /** Runs a command, returns its exit code; output goes into {@code out} when not null. */
    static int run(StringBuilder out, List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            if (out != null) {
                out.append(text);
            }
            return p.exitValue();
        } catch (IOException e) {
            if (out != null) {
                out.append(e);
            }
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Runs a command and fails with its output when it exits non-zero. */
    static void must(String... cmd) {
        StringBuilder out = new StringBuilder();
        int rc = run(out, List.of(cmd));
        if (rc != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " exited " + rc + ": " + out.toString().strip());
        }
    }

    /** Best-effort command for cleanup paths. */
    static void quietly(String... cmd) {
        run(null, List.of(cmd));
    }
}
