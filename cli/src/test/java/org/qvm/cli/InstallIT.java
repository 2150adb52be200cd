package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.plan.Command;
import org.qvm.plan.CommandResult;
import org.qvm.plan.ProcessRunner;
import org.qvm.testsupport.Examples;
import org.qvm.testsupport.Programs;

/** install.sh into temporary trees: what lands where, that it runs from there, and that it goes again. */
class InstallIT {
    private static final Path INSTALL = Examples.repositoryRoot().resolve("install.sh");
    private final ProcessRunner runner = new ProcessRunner();

    @TempDir
    Path dir;

    private CommandResult install(Path destdir, String... args) {
        List<String> argv = new ArrayList<>(List.of("bash", INSTALL.toString()));
        argv.addAll(List.of(args));
        Command command = Command.of(argv).withTimeout(java.time.Duration.ofMinutes(3));
        return runner.check(destdir == null ? command : command.withEnvironment("DESTDIR", destdir.toString()));
    }

    private static List<String> files(Path root) throws Exception {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(Files::isRegularFile).map(p -> "/" + root.relativize(p)).sorted().toList();
        }
    }

    @Test
    void aStagedInstallPutsEverythingInPlaceAndUninstallTakesItAway() throws Exception {
        Path stage = dir.resolve("stage");
        install(stage, "--prefix", "/usr/local");
        List<String> files = files(stage);
        for (String tool : Tools.NAMES) {
            assertTrue(files.contains("/usr/local/bin/" + tool), tool);
            assertTrue(files.contains("/usr/local/share/man/man1/" + tool + ".1"), tool);
            assertTrue(files.contains("/usr/local/share/bash-completion/completions/" + tool), tool);
            assertTrue(files.contains("/usr/local/share/fish/vendor_completions.d/" + tool + ".fish"), tool);
        }
        for (String file : List.of("/usr/local/bin/qvm-java", "/usr/local/bin/qvm-console-keeper", "/usr/local/bin/qvm-agent",
                "/usr/local/share/qvm/qvm.jar", "/usr/local/share/qvm/qvm-agent.jar", "/usr/local/share/man/man1/qvm-agent.1",
                "/usr/local/share/zsh/site-functions/_qvm", "/usr/local/lib/systemd/system/qvm@.service",
                "/usr/local/lib/systemd/system/qvm-autostart.service", "/usr/local/lib/systemd/system/qvm-network.service",
                "/usr/local/lib/systemd/system/qvmd.service", "/usr/local/share/qvm/examples/policy.toml", "/etc/qvm/policy.toml",
                "/usr/local/share/qvm/examples/qvm.toml", "/usr/local/share/qvm/guest/build/customize",
                "/usr/local/share/qvm/guest/files/usr/local/sbin/qvm-guest-setup",
                "/usr/local/share/qvm/examples/vms/personal.toml", "/usr/local/share/qvm/examples/guest/qvm-agent.service",
                "/etc/qvm/qvm.toml")) {
            assertTrue(files.contains(file), file + " in " + files);
        }
        assertTrue(Files.isDirectory(stage.resolve("etc/qvm/vms")));
        String unit = Files.readString(stage.resolve("usr/local/lib/systemd/system/qvm@.service"));
        assertTrue(unit.contains("ExecStart=/usr/local/bin/qvm-start --foreground %i"), unit);
        assertTrue(unit.contains("ExecStop=/usr/local/bin/qvm-shutdown --wait --timeout 60 %i"), unit);
        assertTrue(Files.isExecutable(stage.resolve("usr/local/bin/qvm-ls")));

        // It runs from where it was put: the wrapper finds the jar in ../share/qvm.
        CommandResult ls = runner.check(Command.of(stage.resolve("usr/local/bin/qvm-ls").toString(), "--raw-list")
                .withEnvironment("QVM_CONFIG", Examples.copyTo(dir.resolve("config")).toString()));
        assertEquals(String.join("\n", Examples.VM_NAMES) + "\n", ls.stdout());
        CommandResult page = runner.check(Command.of("man", "-l", stage.resolve("usr/local/share/man/man1/qvm-run.1").toString())
                .withEnvironment("MANPAGER", "cat").withEnvironment("MANWIDTH", "80"));
        assertTrue(page.stdout().contains("qvm-run - run a command in a VM"), page.stdout());

        // An existing host file is never overwritten.
        Files.writeString(stage.resolve("etc/qvm/qvm.toml"), "# mine\n");
        install(stage, "--prefix", "/usr/local");
        assertEquals("# mine\n", Files.readString(stage.resolve("etc/qvm/qvm.toml")));

        install(stage, "--uninstall", "--prefix", "/usr/local");
        assertEquals(List.of("/etc/qvm/policy.toml", "/etc/qvm/qvm.toml"), files(stage), "only the configuration stays");
        assertFalse(Files.exists(stage.resolve("usr/local/share/qvm")));
    }

    @Test
    void aRealInstallMakesTheStartUpCacheAndValidUnits() throws Exception {
        Path prefix = dir.resolve("prefix");
        install(null, "--prefix", prefix.toString(), "--sysconfdir", dir.resolve("etc").toString());
        assertTrue(Files.exists(prefix.resolve("share/qvm/qvm.jsa")) || Files.exists(prefix.resolve("share/qvm/qvm.aot")),
                "a start-up cache");
        CommandResult ls = runner.check(Command.of(prefix.resolve("bin/qvm-ls").toString(), "--raw-list")
                .withEnvironment("QVM_CONFIG", Examples.copyTo(dir.resolve("config")).toString()));
        assertEquals(6, ls.stdout().lines().count(), ls.stdout() + ls.stderr());
        assertEquals("", ls.stderr());
        if (Programs.which("systemd-analyze").isPresent()) {
            Path units = prefix.resolve("lib/systemd/system");
            Files.copy(units.resolve("qvm@.service"), units.resolve("qvm@dev.service"));
            for (String unit : List.of("qvm@dev.service", "qvm-autostart.service", "qvm-network.service", "qvmd.service")) {
                CommandResult verify = runner.run(Command.of("systemd-analyze", "verify", units.resolve(unit).toString())
                        .withEnvironment("MANPATH", prefix.resolve("share/man").toString()));
                assertEquals(0, verify.exitStatus(), unit + ": " + verify.stderr());
            }
            Files.delete(units.resolve("qvm@dev.service"));
        }
        install(null, "--uninstall", "--prefix", prefix.toString());
        assertEquals(List.of(), files(prefix));
    }

    @Test
    void theReleaseArchiveHasTheSameLayout() throws Exception {
        Path archive = dir.resolve("qvm.tar.gz");
        install(null, "--archive", archive.toString());
        List<String> entries = runner.check(Command.of("tar", "-tzf", archive.toString())).stdout().lines().toList();
        assertTrue(entries.contains("qvm-0.1.0/usr/local/bin/qvm-ls"), entries.toString());
        assertTrue(entries.contains("qvm-0.1.0/usr/local/share/qvm/qvm.jar"));
        assertTrue(entries.contains("qvm-0.1.0/usr/local/lib/systemd/system/qvm@.service"));
        assertTrue(entries.contains("qvm-0.1.0/etc/qvm/qvm.toml"));
        Assumptions.assumeTrue(Files.exists(Examples.repositoryRoot().resolve("cli/target/qvm-0.1.0-SNAPSHOT.tar.gz")));
        assertTrue(Files.size(Examples.repositoryRoot().resolve("cli/target/qvm-0.1.0-SNAPSHOT.tar.gz")) > 1_000_000,
                "the build made one too");
    }
}
