package org.qvm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.qvm.testsupport.Examples;

/**
 * One real guest template for the tests that need one, built with the real {@code bin/qvm-template}
 * at most once per run (and kept across runs while the guest files and the agent are unchanged:
 * its directory is named after their checksum), so that every real-kernel test boots the same
 * image and CI pays for one build.
 */
final class SharedTemplate {
    static final String NAME = "qvm-test";
    /** weston for its demo clients: a real guest's windows, drawn on the host (RealGuestIT). */
    static final List<String> EXTRA_PACKAGES = List.of("weston");
    private static Path dataDir;

    private SharedTemplate() {
    }

    /** The data directory that holds the built template (under templates/qvm-test). */
    static synchronized Path dataDir() throws Exception {
        if (dataDir != null) {
            return dataDir;
        }
        Path root = Examples.repositoryRoot();
        Path home = root.resolve("src/test/target/shared-template").resolve(checksum(root));
        Path lib = home.resolve("lib");
        if (!Files.isRegularFile(lib.resolve("templates").resolve(NAME).resolve("manifest.json"))) {
            Files.createDirectories(home);
            Path config = home.resolve("qvm.toml");
            Files.writeString(config, "state-dir = \"" + home.resolve("run") + "\"\ndata-dir = \"" + lib + "\"\n");
            Files.createDirectories(home.resolve("vms"));
            Path log = home.resolve("build.log");
            long start = System.nanoTime();
            List<String> argv = new java.util.ArrayList<>(List.of(root.resolve("bin/qvm-template").toString(), "build", "-v", NAME));
            EXTRA_PACKAGES.forEach(extra -> argv.addAll(List.of("--package", extra)));
            ProcessBuilder builder = new ProcessBuilder(argv)
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("QVM_CONFIG", config.toString());
            Process build = builder.start();
            assertTrue(build.waitFor(45, TimeUnit.MINUTES), "the template was built in time");
            assertEquals(0, build.exitValue(), "qvm-template build: " + Files.readString(log));
            System.err.printf("SharedTemplate: built %s in %d s%n", NAME, (System.nanoTime() - start) / 1_000_000_000L);
        }
        dataDir = lib;
        return dataDir;
    }

    /**
     * What the template is made from: the guest's files, the agent's classes (the jar differs by
     * its dates), the tools and the builder's classes (its package list).
     */
    private static String checksum(Path root) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(String.join(",", EXTRA_PACKAGES).getBytes());
            for (Path tree : List.of(root.resolve("guest"), root.resolve("guest-agent/target/classes"), root.resolve("bin"),
                    root.resolve("templates/target/classes"))) {
                List<Path> files;
                try (Stream<Path> walk = Files.walk(tree)) {
                    files = walk.filter(Files::isRegularFile).sorted().toList();
                }
                for (Path file : files) {
                    digest.update(root.relativize(file).toString().getBytes());
                    digest.update(Files.readAllBytes(file));
                }
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
