package org.qvm.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateBuildTest {
    @TempDir
    Path dir;

    @Test
    void theBuildIsMmdebstrapWithTheGuestsHookThenImagesThenARename() {
        TemplateBuild.Request request = new TemplateBuild.Request("dev", "bookworm", "http://mirror/debian",
                List.of("git", "iproute2"), "amd64");
        assertEquals(List.of("systemd-sysv", "udev", "kmod", "initramfs-tools", "iproute2", "e2fsprogs", "procps", "dbus", "iputils-ping",
                "xdg-utils", "waypipe", "openjdk-17-jre-headless", "linux-image-cloud-amd64", "git"), request.allPackages(), "each once");
        TemplateBuild.GuestBundle bundle = new TemplateBuild.GuestBundle(Path.of("/q/guest/files"),
                Path.of("/q/guest/build/customize"), Path.of("/q/qvm-agent.jar"), Path.of("/q/bin/qvm-agent"));
        List<String> plan = TemplateBuild.all(request, bundle, TemplateBuild.Places.of(Path.of("/var/lib/qvm"), "dev")).render();
        assertEquals(List.of(
                "mkdir -p -m 0755 /var/lib/qvm/templates",
                "rm -rf --one-file-system -- /var/lib/qvm/templates/.build-dev",
                "mkdir -m 0700 /var/lib/qvm/templates/.build-dev",
                "QVM_AGENT_JAR=/q/qvm-agent.jar QVM_AGENT_WRAPPER=/q/bin/qvm-agent QVM_GUEST_FILES=/q/guest/files "
                        + "mmdebstrap --variant=minbase --components=main --architectures=amd64 --include=systemd-sysv,udev,"
                        + "kmod,initramfs-tools,iproute2,e2fsprogs,procps,dbus,iputils-ping,xdg-utils,waypipe,openjdk-17-jre-headless,linux-image-cloud-amd64,"
                        + "git --customize-hook=/q/guest/build/customize bookworm /var/lib/qvm/templates/.build-dev/root "
                        + "http://mirror/debian",
                "cp -L -- /var/lib/qvm/templates/.build-dev/root/vmlinuz /var/lib/qvm/templates/.build-dev/vmlinuz",
                "cp -L -- /var/lib/qvm/templates/.build-dev/root/initrd.img /var/lib/qvm/templates/.build-dev/initrd.img",
                "mksquashfs /var/lib/qvm/templates/.build-dev/root /var/lib/qvm/templates/.build-dev/root.img -comp zstd "
                        + "-noappend -no-xattrs -quiet",
                "rm -rf --one-file-system -- /var/lib/qvm/templates/.build-dev/root",
                "mv -T -- /var/lib/qvm/templates/.build-dev /var/lib/qvm/templates/dev"), plan);
    }

    @Test
    void installedPackagesComeFromDpkgsStatusAndTheManifestRoundTrips() throws Exception {
        List<TemplateManifest.Package> packages = DpkgStatus.parse("""
                Package: zlib1g
                Status: install ok installed
                Version: 1:1.2.13.dfsg-1

                Package: removed
                Status: deinstall ok config-files
                Version: 1.0

                Package: bash
                Status: install ok installed
                Architecture: amd64
                Version: 5.2.15-2+b7
                """);
        assertEquals(List.of(new TemplateManifest.Package("bash", "5.2.15-2+b7"),
                new TemplateManifest.Package("zlib1g", "1:1.2.13.dfsg-1")), packages);
        TemplateManifest manifest = new TemplateManifest("dev", "bookworm", "http://mirror/debian", "amd64", List.of("bash"),
                packages, java.util.Map.of("root.img", new TemplateManifest.FileEntry(4096, "ab12")), "2026-11-30T22:00:00Z",
                "qvm 0.1.0");
        Path file = dir.resolve("manifest.json");
        manifest.write(file);
        assertEquals(manifest, TemplateManifest.read(file));
        assertEquals(4096, manifest.size());
        assertTrue(Files.readString(file).contains("\"sha256\" : \"ab12\""));
    }
}
