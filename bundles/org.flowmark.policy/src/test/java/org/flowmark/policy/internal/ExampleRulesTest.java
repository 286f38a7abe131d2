package org.flowmark.policy.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** Every rule shipped in {@code config/examples/} compiles, and the Zoom example matches a Zoom flow. */
class ExampleRulesTest {

    @Test
    void shippedExamplesCompile() throws Exception {
        // the repository root: flowmark.root from the reactor, else two levels up from the module
        Path dir = Path.of(System.getProperty("flowmark.root", "../.."), "config", "examples");
        if (!Files.isDirectory(dir)) {
            dir = Path.of("../../config/examples");
        }
        assertTrue(Files.isDirectory(dir), dir + " exists");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith(Rule.FACTORY_PID + "-")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        for (Path f : files) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(f)) {
                p.load(r);
            }
            Map<String, Object> m = new HashMap<>();
            p.forEach((k, v) -> m.put((String) k, v));
            m.put("felix.fileinstall.filename", f.toUri().toString());
            Rule rule = Rule.fromConfig(m);
            assertNotNull(rule, f + " is enabled");
            if (rule.name().equals("zoom-qos")) {
                assertTrue(rule.match().matches(Flows.zoom(1)));
            }
        }
    }
}
