package org.qvm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A JVM the tools start gets the start-up cache bin/qvm-java gave theirs, in the form that cache needs. */
class JavaCommandTest {
    @Test
    void withoutACacheTheChildGetsNoCacheOptions() {
        assertEquals(List.of(), JavaCommand.startupCacheOptions(null));
        assertEquals(List.of(), JavaCommand.startupCacheOptions(""));
    }

    @Test
    void anAppCdsArchiveIsSharedQuietlyAndPassedOn() {
        assertEquals(List.of("-Xshare:auto", "-XX:SharedArchiveFile=/opt/qvm/qvm.jsa", "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
                "-Dqvm.startup-cache=/opt/qvm/qvm.jsa"), JavaCommand.startupCacheOptions("/opt/qvm/qvm.jsa"));
    }

    @Test
    void anAotCacheIsUsedQuietlyAndPassedOn() {
        assertEquals(List.of("-XX:AOTCache=/opt/qvm/qvm.aot", "-Xlog:aot=off", "-Dqvm.startup-cache=/opt/qvm/qvm.aot"),
                JavaCommand.startupCacheOptions("/opt/qvm/qvm.aot"));
    }

    @Test
    void jnasStubAndLibraryPathAndTheToolsDirectoryArePassedOnWhenThisJvmHasThem() {
        assertEquals(List.of(), JavaCommand.passedOnOptions(name -> null));
        java.util.Map<String, String> given = java.util.Map.of("jna.boot.library.path", "/opt/qvm", "jna.nounpack", "true",
                "jna.platform.library.path", "/usr/lib/x86_64-linux-gnu:/lib", "qvm.bin", "/usr/local/bin");
        assertEquals(List.of("-Djna.boot.library.path=/opt/qvm", "-Djna.nounpack=true",
                "-Djna.platform.library.path=/usr/lib/x86_64-linux-gnu:/lib", "-Dqvm.bin=/usr/local/bin"),
                JavaCommand.passedOnOptions(given::get));
    }

    @Test
    void theCacheOptionsComeBeforeTheClassPathAndMainClass() {
        String before = System.getProperty(JavaCommand.STARTUP_CACHE_PROPERTY);
        System.setProperty(JavaCommand.STARTUP_CACHE_PROPERTY, "/opt/qvm/qvm.jsa");
        try {
            List<String> argv = JavaCommand.argv(List.of("-Xmx8m"), "org.example.Main", List.of("arg"));
            assertEquals(List.of("-Xmx8m", "-Xshare:auto", "-XX:SharedArchiveFile=/opt/qvm/qvm.jsa", "-Xlog:cds=off",
                    "-Xlog:cds+dynamic=off", "-Dqvm.startup-cache=/opt/qvm/qvm.jsa"), argv.subList(1, 7));
            // Then what this JVM passes on (JNA's library path once JNA has loaded here), the class path, the class.
            int classPath = argv.indexOf("-cp");
            org.junit.jupiter.api.Assertions.assertTrue(classPath >= 7, argv.toString());
            assertEquals(List.of("org.example.Main", "arg"), argv.subList(classPath + 2, argv.size()));
        } finally {
            if (before == null) {
                System.clearProperty(JavaCommand.STARTUP_CACHE_PROPERTY);
            } else {
                System.setProperty(JavaCommand.STARTUP_CACHE_PROPERTY, before);
            }
        }
    }
}
