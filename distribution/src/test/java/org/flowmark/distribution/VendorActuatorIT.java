package org.flowmark.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The example vendor actuator ({@code examples/vendor-actuator}, a separate Maven project built against the
 * published API artifact only) in a running agent: builds it with {@code mvn -q -f examples/vendor-actuator/pom.xml
 * package}, then runs its {@code deploy-test.sh}: {@code bin/flowmark run} in a network namespace, the jar dropped
 * into {@code deploy/} receives the actions of an HTTP rule; removed from {@code deploy/}, it is let go and receives
 * nothing more.
 * <p>
 * The example resolves {@code org.flowmark:org.flowmark.api} from the local Maven repository, which
 * {@code mvn verify} (unlike {@code install}) does not fill: when the repository lacks the API jar, or holds
 * another build of it than the assembled layout, this test installs the layout's API jar (with the API module's
 * pom and the parent pom) there first, as {@code mvn install} would. Needs root, {@code mvn}, {@code ip},
 * {@code curl}, {@code python3}; skipped with the reason otherwise.
 */
class VendorActuatorIT {

    private static final Path REPO = Path.of(System.getProperty("flowmark.repo.root", "..")).toAbsolutePath()
            .normalize();
    private static final Path EXAMPLE = REPO.resolve("examples/vendor-actuator");

    @Test
    void actuatorDroppedIntoDeployReceivesActionsAndStopsWhenRemoved() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "SKIPPED: needs root (network namespace)");
        Path script = EXAMPLE.resolve("deploy-test.sh");
        assumeTrue(Files.isRegularFile(script), "SKIPPED: " + script + " is missing");
        String mvn = maven();
        assumeTrue(mvn != null, "SKIPPED: mvn is not on the PATH (needed to build the example)");
        Path api = apiJar();
        assumeTrue(api != null, "SKIPPED: no org.flowmark.api jar in " + FrameworkIT.LAYOUT);

        installApiIfNeeded(mvn, api);
        LabScript.Result build = LabScript.run("[ERROR]", 5, null, null,
                mavenCommand(mvn, "-q", "-f", EXAMPLE.resolve("pom.xml").toString(), "package"));
        assertEquals(0, build.exit(), "building the example failed:\n" + build.output());
        assumeTrue(Files.isRegularFile(EXAMPLE.resolve("target/com.example.flowmark.webhook-1.0.0.jar")),
                "the example's build produced no jar");

        LabScript.Result r = LabScript.run("deploy-test:", 4, null, null, "sh", script.toString(),
                FrameworkIT.LAYOUT.toString());
        assumeTrue(r.exit() != 77, r::skipReason);
        assertEquals(0, r.exit(), r.output());
    }

    /** Installs the layout's API jar into the local repository unless the very same jar is there. */
    private static void installApiIfNeeded(String mvn, Path api) throws Exception {
        String version = System.getProperty("flowmark.version", "0.1.0-SNAPSHOT");
        Path local = localRepository().resolve("org/flowmark/org.flowmark.api/" + version
                + "/org.flowmark.api-" + version + ".jar");
        if (Files.isRegularFile(local) && Files.mismatch(local, api) == -1L) {
            return;
        }
        System.out.println("vendor-actuator: installing " + api + " into " + localRepository()
                + " (mvn verify does not install the API the example builds against)");
        LabScript.Result parent = LabScript.run("[ERROR]", 3, null, null, mavenCommand(mvn, "-q",
                "install:install-file", "-Dfile=" + REPO.resolve("pom.xml"), "-DpomFile=" + REPO.resolve("pom.xml"),
                "-Dpackaging=pom"));
        assertEquals(0, parent.exit(), "installing the parent pom failed:\n" + parent.output());
        LabScript.Result r = LabScript.run("[ERROR]", 3, null, null, mavenCommand(mvn, "-q", "install:install-file",
                "-Dfile=" + api, "-DpomFile=" + REPO.resolve("bundles/org.flowmark.api/pom.xml")));
        assertEquals(0, r.exit(), "installing the API failed:\n" + r.output());
    }

    private static String[] mavenCommand(String mvn, String... args) {
        List<String> cmd = new ArrayList<>(List.of(mvn, "-B"));
        // offline when the outer build is (the mvn launcher exports its command line)
        String outer = " " + System.getenv().getOrDefault("MAVEN_CMD_LINE_ARGS", "") + " ";
        if (outer.contains(" -o ") || outer.contains(" --offline ")) {
            cmd.add("-o");
        }
        String repo = System.getProperty("maven.repo.local");
        if (repo != null && !repo.isBlank()) {
            cmd.add("-Dmaven.repo.local=" + repo);
        }
        cmd.addAll(Arrays.asList(args));
        return cmd.toArray(String[]::new);
    }

    private static Path localRepository() {
        String repo = System.getProperty("maven.repo.local");
        return repo != null && !repo.isBlank() ? Path.of(repo)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    private static Path apiJar() throws IOException {
        Path dir = FrameworkIT.LAYOUT.resolve("bundles/4-flowmark");
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("org.flowmark.api-")).findFirst()
                    .orElse(null);
        }
    }

    private static String maven() {
        String home = System.getProperty("maven.home");
        if (home != null && new File(home, "bin/mvn").canExecute()) {
            return new File(home, "bin/mvn").getAbsolutePath();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            File f = new File(dir, "mvn");
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }
}
