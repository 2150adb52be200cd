package org.qvm.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Guards tests that need root (network namespaces, taps, nftables, loop devices, LVM). Without
 * root they are skipped with the reason, unless {@value #REQUIRE} is set to 1, as CI does, in
 * which case the skip becomes a failure: a privileged test that did not run is not a pass.
 */
public final class Privileged {
    public static final String REQUIRE = "QVM_REQUIRE_PRIVILEGED";

    private Privileged() {
    }

    /** Skips (or, in CI, fails) the calling test unless it runs as root with the given tools. */
    public static void requireRoot(String... tools) {
        runOnlyIf(missingReason(tools));
    }

    /** Skips (or, in CI, fails) the calling test unless the tools are installed; root is not needed. */
    public static void requireTools(String... tools) {
        runOnlyIf(missingTool(tools));
    }

    /** Skips (or, in CI, fails) the calling test unless the files exist (say, protocol XML from a package). */
    public static void requireFiles(Path... files) {
        for (Path file : files) {
            if (!Files.exists(file)) {
                runOnlyIf("needs " + file);
                return;
            }
        }
    }

    private static void runOnlyIf(String missing) {
        if (missing == null) {
            return;
        }
        if ("1".equals(System.getenv(REQUIRE))) {
            fail(REQUIRE + "=1 but this test cannot run: " + missing);
        }
        Assumptions.abort("skipped: " + missing + " (set " + REQUIRE + "=1 to make this a failure)");
    }

    private static String missingReason(String... tools) {
        return isRoot() ? missingTool(tools) : "needs root";
    }

    private static String missingTool(String... tools) {
        for (String tool : tools) {
            if (!onPath(tool)) {
                return "needs '" + tool + "' on PATH";
            }
        }
        return null;
    }

    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    public static boolean onPath(String tool) {
        return Programs.which(tool).isPresent();
    }
}
