package org.qvm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.Examples;
import org.qvm.testsupport.HostSandbox;
import org.qvm.testsupport.Privileged;

/**
 * qvm-template for real: a template built from Debian packages with mmdebstrap (the shared one),
 * what list and info say of it, VMs that take their images from it, removal, and a build that is
 * killed half-way.
 */
class TemplateIT {
    @TempDir
    Path dir;
    Path lib;
    Path config;

    @BeforeEach
    void setUp() throws Exception {
        Privileged.requireRoot("mmdebstrap", "mksquashfs");
        lib = SharedTemplate.dataDir();
        config = dir.resolve("qvm.toml");
        Files.createDirectories(dir.resolve("vms"));
        Files.writeString(config, "state-dir = \"" + dir.resolve("run") + "\"\ndata-dir = \"" + lib + "\"\n");
    }

    private HostSandbox.Run tool(String tool, String... args) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of(Examples.repositoryRoot().resolve("bin").resolve(tool).toString()));
        argv.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(argv);
        builder.environment().put("QVM_CONFIG", config.toString());
        Path out = Files.createTempFile(dir, tool, ".out");
        Path err = Files.createTempFile(dir, tool, ".err");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        return new HostSandbox.Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void aBuiltTemplateIsCompleteAndSaysWhatIsInIt() throws Exception {
        Path template = lib.resolve("templates").resolve(SharedTemplate.NAME);
        HostSandbox.Run list = tool("qvm-template", "list");
        HostSandbox.assertOk(list);
        assertTrue(list.out().lines().anyMatch(line -> line.startsWith(SharedTemplate.NAME + "  bookworm ")), list.out());

        HostSandbox.Run info = tool("qvm-template", "info", "--packages", SharedTemplate.NAME);
        HostSandbox.assertOk(info);
        for (String file : List.of("vmlinuz", "initrd.img", "root.img")) {
            String sha = org.qvm.testsupport.Digests.sha256(template.resolve(file));
            assertTrue(info.out().contains(file) && info.out().contains("sha256 " + sha), file + " in " + info.out());
        }
        assertTrue(info.out().contains("\n  linux-image-cloud-amd64 "), "every installed package with its version");
        assertTrue(info.out().contains("\n  openjdk-17-jre-headless "));
        byte[] magic = java.util.Arrays.copyOf(Files.readAllBytes(template.resolve("root.img")), 4);
        assertEquals("hsqs", new String(magic, java.nio.charset.StandardCharsets.US_ASCII), "the root image is a squashfs");
        assertFalse(Files.exists(template.resolve("root")), "the build's root filesystem is gone");
    }

    @Test
    void vmsTakeTheirImagesFromItAndItIsNotRemovedFromUnderThem() throws Exception {
        Files.writeString(dir.resolve("vms/dev.toml"), "template = \"" + SharedTemplate.NAME + "\"\n");
        Files.writeString(dir.resolve("vms/own.toml"), "template = \"" + SharedTemplate.NAME + "\"\nkernel = \"/boot/mine\"\n");
        HostSandbox.Run ls = tool("qvm-ls", "--raw-data", "--fields", "name,template,kernel,rootfs");
        HostSandbox.assertOk(ls);
        Path template = lib.resolve("templates").resolve(SharedTemplate.NAME);
        assertEquals(List.of("dev|" + SharedTemplate.NAME + "|" + template.resolve("vmlinuz") + "|" + template.resolve("root.img"),
                "own|" + SharedTemplate.NAME + "|/boot/mine|" + template.resolve("root.img")), ls.out().lines().toList());
        assertTrue(tool("qvm-template", "list").out().contains("dev,own"), "USED BY");

        HostSandbox.Run refused = tool("qvm-template", "remove", SharedTemplate.NAME);
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains(SharedTemplate.NAME + " is used by dev, own"), refused.err());
        HostSandbox.Run dry = tool("qvm-template", "remove", "--force", "--dry-run", SharedTemplate.NAME);
        HostSandbox.assertOk(dry);
        assertEquals("rm -rf --one-file-system -- " + template + "\n", dry.out());
        assertTrue(Files.exists(template.resolve("manifest.json")), "still there");

        Files.writeString(dir.resolve("vms/typo.toml"), "template = \"qvm-tset\"\n");
        HostSandbox.Run typo = tool("qvm-ls");
        assertEquals(1, typo.status());
        assertTrue(typo.err().startsWith(dir.resolve("vms/typo.toml") + ":1:1: 'template' \"qvm-tset\" is not built"), typo.err());
    }

    @Test
    void aBuildKilledHalfWayLeavesNoTemplate() throws Exception {
        Path own = dir.resolve("own-lib");
        Files.writeString(config, "state-dir = \"" + dir.resolve("run") + "\"\ndata-dir = \"" + own + "\"\n");
        ProcessBuilder builder = new ProcessBuilder(Examples.repositoryRoot().resolve("bin/qvm-template").toString(), "build",
                "-v", "broken").redirectErrorStream(true).redirectOutput(dir.resolve("broken.log").toFile());
        builder.environment().put("QVM_CONFIG", config.toString());
        Process build = builder.start();
        Path archives = own.resolve("templates/.build-broken/root/var/cache/apt/archives");
        HostSandbox.await("packages to be downloading", Duration.ofMinutes(5), () -> Files.isDirectory(archives));
        build.descendants().forEach(ProcessHandle::destroyForcibly);
        build.destroyForcibly();
        assertTrue(build.waitFor(30, TimeUnit.SECONDS));
        HostSandbox.await("mmdebstrap to be gone", Duration.ofSeconds(30), () -> build.descendants().findAny().isEmpty());

        HostSandbox.Run list = tool("qvm-template", "list");
        HostSandbox.assertOk(list);
        assertEquals("NAME  RELEASE  SIZE  BUILT  USED BY\n", list.out(), "a build that did not finish is not a template");
        HostSandbox.Run info = tool("qvm-template", "info", "broken");
        assertEquals(1, info.status());
        assertTrue(info.err().contains("no template named broken"), info.err());
        Files.writeString(dir.resolve("vms/web.toml"), "template = \"broken\"\n");
        assertEquals(1, tool("qvm-ls").status(), "nor can a VM use it");
    }
}
