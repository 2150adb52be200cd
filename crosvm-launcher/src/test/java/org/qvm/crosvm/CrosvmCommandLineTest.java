package org.qvm.crosvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.qvm.hypervisor.LaunchSpec;
import org.qvm.testsupport.Examples;

/** crosvm's argument list from a launch description, and the flag list that checks it. */
class CrosvmCommandLineTest {
    static LaunchSpec spec(List<LaunchSpec.SharedDir> shares, Optional<Path> wayland, List<String> extraArgs) {
        Path run = Path.of("/run/qvm/dev");
        return new LaunchSpec("dev", Path.of("/k/vmlinuz"), Optional.of(Path.of("/k/initrd.img")), 1024, 2, "qvm.name=dev",
                Path.of("/k/root.img"), Path.of("/dev/vg/dev"), Optional.of("qvm-dev"), Optional.of("02:71:6d:00:00:05"),
                shares, wayland, 5, true, run, run.resolve("crosvm.sock"), run.resolve("console.pipe"), extraArgs);
    }

    @Test
    void aVmsCommandLineInFullWithTheUsersArgumentsLastBeforeTheKernel() {
        Crosvm crosvm = new Crosvm("/opt/crosvm", List.of("--disable-sandbox"));
        List<String> argv = crosvm.commandLine(spec(List.of(new LaunchSpec.SharedDir(Path.of("/srv/docs"), "docs")),
                Optional.of(Path.of("/run/user/1000/wayland-1")), List.of("--no-balloon")));
        assertEquals(List.of("/opt/crosvm", "--extended-status", "run", "--name", "dev", "--mem", "1024", "--cpus", "2",
                "--params", "qvm.name=dev", "--initrd", "/k/initrd.img",
                "--block", "path=/k/root.img,ro,root,id=root", "--block", "path=/dev/vg/dev,id=private",
                "--net", "tap-name=qvm-dev,mac=02:71:6d:00:00:05", "--shared-dir", "/srv/docs:docs:type=fs",
                "--wayland-sock", "/run/user/1000/wayland-1", "--vsock", "cid=5", "--socket", "/run/qvm/dev/crosvm.sock",
                "--serial", "type=file,path=/run/qvm/dev/console.pipe,console", "--disable-sandbox", "--no-balloon",
                "/k/vmlinuz"), argv);
        assertEquals(List.of(), CrosvmFlags.load().problems(argv.subList(3, argv.size())));
        assertEquals(List.of(), crosvm.companions(spec(List.of(), Optional.empty(), List.of())), "crosvm needs nothing beside it");
    }

    @Test
    void controlIsCrosvmsOwnSubcommandsOnTheControlSocket() {
        Crosvm crosvm = new Crosvm("crosvm", List.of());
        Path socket = Path.of("/run/qvm/dev/crosvm.sock");
        assertEquals("crosvm powerbtn /run/qvm/dev/crosvm.sock", crosvm.powerButton(socket).render());
        assertEquals("crosvm suspend /run/qvm/dev/crosvm.sock", crosvm.pause(socket).render());
        assertEquals("crosvm resume /run/qvm/dev/crosvm.sock", crosvm.resume(socket).render());
        assertEquals("crosvm stop /run/qvm/dev/crosvm.sock", crosvm.stop(socket).render());
        assertEquals(List.of("--socket", socket.toString()), crosvm.identifyingArguments(socket));
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
        assertEquals("02:71:6d:01:02:03", LaunchSpec.macFor(0x010203));
    }
}
