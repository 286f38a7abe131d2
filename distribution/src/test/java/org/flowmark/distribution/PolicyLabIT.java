package org.flowmark.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Runs the policy + ipset router lab ({@code src/test/lab/policy-ipset-lab.sh}) against the assembled layout:
 * three network namespaces, the real {@code bin/flowmark run} capturing on the router, real TLS traffic, the
 * element checked in the kernel's ipset and an iptables {@code --match-set} counter. Needs root; the script exits
 * 77 (skipped here, with its reason) when it is not root or a tool is missing. {@code -Dlab.flows=N} sets the
 * number of flows (default 50).
 */
class PolicyLabIT {

    @Test
    void tlsFlowsBecomeIpsetElementsThatIptablesMatches() throws Exception {
        Path script = Path.of("src/test/lab/policy-ipset-lab.sh").toAbsolutePath();
        Path layout = FrameworkIT.LAYOUT;
        assumeTrue(Files.isRegularFile(script), "SKIPPED: " + script + " is missing");
        Process p = new ProcessBuilder("sh", script.toString(), layout.toString(),
                System.getProperty("lab.flows", "50")).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (java.io.IOException e) {
                // process gone
            }
        });
        pump.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroy(); // SIGTERM: the script's trap removes the namespaces
            p.waitFor(30, TimeUnit.SECONDS);
        }
        pump.join(10_000);
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.println(text.lines().filter(l -> l.startsWith("policy-ipset-lab:"))
                .reduce("", (a, b) -> a + b + "\n"));
        assumeTrue(p.exitValue() != 77, () -> text.lines().filter(l -> l.contains("SKIPPED")).findFirst()
                .orElse("SKIPPED"));
        assertEquals(0, p.exitValue(), text);
    }
}
