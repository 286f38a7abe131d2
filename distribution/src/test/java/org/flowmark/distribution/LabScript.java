package org.flowmark.distribution;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a lab script (exit 0 pass, 1 fail, 77 skipped) and prints its lines that start with a prefix. */
final class LabScript {

    record Result(int exit, String output) {
        String skipReason() {
            return output.lines().filter(l -> l.contains("SKIPPED")).findFirst().orElse("SKIPPED");
        }
    }

    private LabScript() {
    }

    /**
     * @param env name and value of one environment variable for the script (null: none)
     */
    static Result run(String prefix, int timeoutMinutes, String envName, String envValue, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
        if (envName != null) {
            pb.environment().put(envName, envValue);
        }
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException e) {
                // process gone
            }
        });
        pump.start();
        if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            p.destroy(); // SIGTERM: the script's trap removes its namespaces
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        pump.join(10_000);
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.println(text.lines().filter(l -> l.startsWith(prefix)).reduce("", (a, b) -> a + b + "\n"));
        return new Result(p.exitValue(), text);
    }
}
