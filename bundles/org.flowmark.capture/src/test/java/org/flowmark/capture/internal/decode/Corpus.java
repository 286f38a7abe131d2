package org.flowmark.capture.internal.decode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the shared reference corpus: system property {@code flowmark.corpus}, else {@code shared/corpus} next to
 * the repository (searched upwards from the working directory). */
final class Corpus {
    private Corpus() {
    }

    /** The corpus directory (holding {@code pcap/} and {@code truth/}), or null when absent. */
    static Path find() {
        String prop = System.getProperty("flowmark.corpus");
        if (prop != null && !prop.isEmpty()) {
            Path p = Paths.get(prop);
            return Files.isDirectory(p.resolve("pcap")) ? p : null;
        }
        for (Path d = Paths.get(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            Path c = d.resolve("shared").resolve("corpus");
            if (Files.isDirectory(c.resolve("pcap"))) {
                return c;
            }
        }
        return null;
    }
}
