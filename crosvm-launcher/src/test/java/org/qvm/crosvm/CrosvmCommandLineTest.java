package org.qvm.crosvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.lifecycle.StartPlanner;
import org.qvm.network.VmNetwork;
import org.qvm.plan.CheckedPlan;
import org.qvm.storage.VmStorage;
import org.qvm.testsupport.Examples;

/** The crosvm argv of every example VM, checked against what crosvm run really accepts. */
class CrosvmCommandLineTest {
    @TempDir
    Path dir;

    private List<String> argvOf(Configuration config, String name) {
        Vm vm = config.require(name);
        Path privateVolume = VmStorage.poolFor(config.host(), null).path(name);
        return StartPlanner.plan(config.host(), vm, privateVolume, new VmNetwork(config.host(), null).kernelParameter(vm),
                Map.of("XDG_RUNTIME_DIR", "/run/user/1000", "WAYLAND_DISPLAY", "wayland-1"),
                CheckedPlan.NOTHING, CheckedPlan.NOTHING).crosvm();
    }

    @Test
    void everyExampleVmsArgvUsesOnlyCurrentFlagsAndEachOneShotOptionOnce() {
        Configuration config = new ConfigLoader().load(Examples.copyTo(dir), ConfigLoader.Recording.NEVER);
        CrosvmFlags flags = CrosvmFlags.load();
        for (String name : Examples.VM_NAMES) {
            List<String> argv = argvOf(config, name);
            assertEquals(List.of("crosvm", "--extended-status", "run"), argv.subList(0, 3));
            assertEquals(List.of(), flags.problems(argv.subList(3, argv.size())), name + ": " + argv);
            for (String argument : argv.subList(3, argv.size())) {
                if (argument.startsWith("--")) {
                    assertTrue(flags.accepts(argument) && !flags.isDeprecated(argument), argument);
                }
            }
        }
    }

    @Test
    void shoppingsCommandLineInFull() {
        Configuration config = new ConfigLoader().load(Examples.copyTo(dir), ConfigLoader.Recording.NEVER);
        Path run = dir.resolve("run/shopping");
        assertEquals(List.of("crosvm", "--extended-status", "run",
                "--name", "shopping",
                "--mem", "2048",
                "--cpus", "2",
                "--params", "qvm.name=shopping qvm.agent=vsock:5000 qvm.shares=share ip=10.0.0.7::10.0.0.6:255.255.255.254::eth0:off:9.9.9.9",
                "--block", "path=/var/lib/qvm/rootfs.squashfs,ro,root,id=root",
                "--block", "path=/dev/qubes/qvm-shopping-private,id=private",
                "--net", "tap-name=qvm-shopping,mac=02:71:6d:00:00:07",
                "--shared-dir", "/home/user/share/shopping:share:type=fs",
                "--wayland-sock", "/run/user/1000/wayland-1",
                "--vsock", "cid=7",
                "--socket", run.resolve("crosvm.sock").toString(),
                "--serial", "type=file,path=" + run.resolve("console.pipe") + ",console",
                "/var/lib/qvm/vmlinux"), argvOf(config, "shopping"));
        List<String> personal = argvOf(config, "personal");
        assertTrue(personal.stream().noneMatch(arg -> arg.equals("--net")), "personal has no network: " + personal);
        List<String> untrusted = argvOf(config, "untrusted");
        assertTrue(untrusted.contains(dir.resolve("run/untrusted/shares/outbox") + ":outbox:type=fs"),
                "a read-only share is given to crosvm as its read-only bind mount: " + untrusted);
    }

    @Test
    void extraArgumentsComeLastBeforeTheKernelHostsFirst() throws Exception {
        Path config = Examples.copyTo(dir);
        Files.writeString(config, Files.readString(config).replace("extra-args = []", "extra-args = [\"--disable-sandbox\"]"));
        Files.writeString(dir.resolve("vms/dev.toml"), Files.readString(dir.resolve("vms/dev.toml"))
                + "\n[crosvm]\nextra-args = [\"--no-balloon\"]\n");
        List<String> argv = argvOf(new ConfigLoader().load(config, ConfigLoader.Recording.NEVER), "dev");
        assertEquals(List.of("--disable-sandbox", "--no-balloon", "/var/lib/qvm/vmlinux"), argv.subList(argv.size() - 3, argv.size()));
    }

    @Test
    void theFlagListFindsWhatCrosvmWouldRefuse() {
        CrosvmFlags flags = CrosvmFlags.load();
        assertEquals(List.of(
                "--mem is given twice, but crosvm takes it once",
                "--cid is deprecated",
                "--kernel is not a flag of crosvm run",
                "--no-balloon is a switch and takes no value",
                "crosvm run takes exactly one KERNEL, found 0"),
                flags.problems(List.of("--mem", "1", "--mem", "2", "--cid", "3", "--kernel", "--no-balloon=true")));
        assertEquals(List.of(), flags.problems(List.of("--block", "a", "--block=b", "--params", "x", "--params", "y", "k")));
    }

    @Test
    void theShippedFlagListsAreTheReferenceOnes() throws Exception {
        Path reference = Examples.repositoryRoot().resolveSibling("shared").resolve("reference");
        Assumptions.assumeTrue(Files.isDirectory(reference), "the reference material is not beside this checkout");
        Path shipped = Examples.repositoryRoot().resolve("crosvm-launcher/src/main/resources/org/qvm/crosvm");
        for (String file : List.of("crosvm-run-flags.txt", "crosvm-run-flags-table.tsv")) {
            assertEquals(Files.readString(reference.resolve(file)), Files.readString(shipped.resolve(file)), file);
        }
    }

    @Test
    void pathsWithSeparatorsAreQuotedAndMacsFollowTheCid() {
        assertEquals("/var/lib/a", CrosvmCommandLine.value(Path.of("/var/lib/a")));
        assertEquals("\"/var/lib/a,b\"", CrosvmCommandLine.value(Path.of("/var/lib/a,b")));
        assertEquals("02:71:6d:01:02:03", CrosvmCommandLine.macFor(0x010203));
        assertEquals(Optional.of("qvm-dev"), Optional.of("qvm-" + "dev"));
    }
}
