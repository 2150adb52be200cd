package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.guest.startup.JnaStub;
import org.qvm.plan.Command;
import org.qvm.plan.CommandResult;
import org.qvm.plan.ProcessRunner;
import org.qvm.testsupport.Examples;
import org.qvm.testsupport.HostSandbox;

/**
 * A checkout's bin/ tools make their own start-up cache beside the jar, in the background: the
 * first run without one, and again once the jar is newer; never with QVM_NO_STARTUP_CACHE.
 */
class CheckoutStartupCacheIT {
    @TempDir
    Path dir;

    private CommandResult run(Path qvmJava, String... environment) {
        Command command = Command.of(qvmJava.toString(), "qvm-ls", "--help");
        for (int i = 0; i < environment.length; i += 2) {
            command = command.withEnvironment(environment[i], environment[i + 1]);
        }
        return new ProcessRunner().check(command);
    }

    private static void assertFromCache(Path classLoadLog, String className) throws java.io.IOException {
        String line = Files.readAllLines(classLoadLog).stream().filter(l -> l.contains(" " + className + " source: "))
                .findFirst().orElse("(not loaded)");
        assertTrue(line.endsWith("source: shared objects file"), className + " from the start-up cache: " + line);
    }

    @Test
    void theFirstRunMakesTheCacheInTheBackgroundAndARebuiltJarGetsANewOne() throws Exception {
        // A checkout's layout: bin/qvm-java and cli/target/qvm.jar.
        Path root = Examples.repositoryRoot();
        Path qvmJava = Files.createDirectories(dir.resolve("bin")).resolve("qvm-java");
        Files.copy(root.resolve("bin/qvm-java"), qvmJava);
        Path target = Files.createDirectories(dir.resolve("cli/target"));
        Path jar = Files.copy(root.resolve("cli/target/qvm.jar"), target.resolve("qvm.jar"));
        Path archive = target.resolve("qvm.jsa");
        Path aot = target.resolve("qvm.aot");

        assertTrue(run(qvmJava, "QVM_NO_STARTUP_CACHE", "1").stdout().contains("usage: qvm-ls"));
        assertFalse(Files.exists(target.resolve("startup-cache.making")) || Files.exists(archive) || Files.exists(aot),
                "QVM_NO_STARTUP_CACHE: none made");

        assertTrue(run(qvmJava).stdout().contains("usage: qvm-ls"), "the run itself goes on without a cache");
        HostSandbox.await("the cache made beside the jar", Duration.ofSeconds(120),
                () -> (Files.exists(archive) || Files.exists(aot)) && !Files.exists(target.resolve("startup-cache.making")));
        Path cache = Files.exists(archive) ? archive : aot;
        assertFalse(Files.exists(target.resolve("qvm.jsa.new")) || Files.exists(target.resolve("qvm.aot.new")));
        Path loaded = dir.resolve("loaded.log");
        assertTrue(run(qvmJava, "JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + loaded).stdout().contains("usage: qvm-ls"),
                "and runs with it");
        // picocli's classes are older than Java 6's format, which only a static archive keeps.
        assertFromCache(loaded, "picocli.CommandLine");
        assertFromCache(loaded, "org.qvm.cli.QvmLs");
        // A JVM the tools start (here the Wayland proxy's) is given the same cache and finds its classes there.
        Path childLoaded = dir.resolve("child.log");
        List<String> child = new ArrayList<>(List.of("java", "-Xlog:class+load:file=" + childLoaded));
        child.addAll(org.qvm.plan.JavaCommand.startupCacheOptions(cache.toString()));
        child.addAll(List.of("-cp", jar.toString(), "org.qvm.wayland.ProxyMain"));
        assertEquals(2, new ProcessRunner().run(Command.of(child)).exitStatus(), "the proxy's usage error");
        assertFromCache(childLoaded, "org.qvm.wayland.ProxyMain");
        // JNA's stub and library path, taken out beside the jar: a JVM told of them (and not to unpack
        // the stub, so that it fails if the one there does not load) starts JNA from them.
        Path libraryPath = target.resolve("jna-library-path");
        assertTrue(Files.size(target.resolve("libjnidispatch.so")) > 0 && Files.readString(libraryPath).contains("/lib"),
                Files.readString(libraryPath));
        Path probe = Files.createDirectories(dir.resolve("probe"));
        List<String> withJna = new ArrayList<>(List.of("java", "-Djna.boot.library.path=" + target, "-Djna.nounpack=true",
                "-Djna.platform.library.path=/usr/lib/probe", "-cp", jar.toString(), JnaStub.class.getName(), probe.toString()));
        assertEquals(0, new ProcessRunner().run(Command.of(withJna)).exitStatus(), "JNA started from the cache's stub");
        assertEquals("/usr/lib/probe", Files.readString(probe.resolve("jna-library-path")).strip(),
                "the library path given is taken, not worked out again");

        // A rebuilt jar: newer than the cache (made, as it were, before it), which is made again.
        FileTime made = FileTime.from(Files.getLastModifiedTime(jar).toInstant().minusSeconds(60));
        Files.setLastModifiedTime(cache, made);
        run(qvmJava);
        HostSandbox.await("the cache made again", Duration.ofSeconds(120), () -> {
            try {
                return Files.exists(cache) && Files.getLastModifiedTime(cache).compareTo(made) > 0
                        && !Files.exists(target.resolve("startup-cache.making"));
            } catch (java.io.IOException e) {
                return false;
            }
        });
        assertEquals(0, run(qvmJava).exitStatus());
    }
}
