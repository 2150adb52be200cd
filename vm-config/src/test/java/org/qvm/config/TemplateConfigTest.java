package org.qvm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The template key: where a VM's images come from, closer settings first, and its errors. */
class TemplateConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fixture;
    Path templates;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new ConfigFixture(dir);
        templates = dir.resolve("lib/templates");
        for (String name : List.of("debian", "dev")) {
            Files.createDirectories(templates.resolve(name));
            Files.writeString(templates.resolve(name).resolve("manifest.json"), "{}");
        }
    }

    private List<String> errors() {
        return assertThrows(ConfigException.class, fixture::load).diagnostics().stream().map(Diagnostic::toString).toList();
    }

    @Test
    void theVmsOwnFilesWinThenItsTemplateThenTheHostsFilesThenTheHostsTemplate() {
        fixture.host("""
                state-dir = "%s"
                data-dir = "%s"
                [defaults]
                template = "debian"
                initrd = "/boot/host-initrd"
                """.formatted(dir.resolve("run"), dir.resolve("lib")));
        fixture.vm("plain", "");
        fixture.vm("dev", "template = \"dev\"\n");
        fixture.vm("mixed", "template = \"dev\"\nkernel = \"/boot/my-kernel\"\n");
        Configuration config = fixture.load();

        VmDefinition plain = config.require("plain").definition();
        assertEquals(Optional.of("debian"), plain.template());
        assertEquals(templates.resolve("debian/vmlinuz"), plain.kernel());
        assertEquals(templates.resolve("debian/root.img"), plain.rootfs());
        assertEquals(Optional.of(Path.of("/boot/host-initrd")), plain.initrd(), "the host's own file beats its template");

        VmDefinition dev = config.require("dev").definition();
        assertEquals(Optional.of("dev"), dev.template());
        assertEquals(templates.resolve("dev/vmlinuz"), dev.kernel());
        assertEquals(Optional.of(templates.resolve("dev/initrd.img")), dev.initrd(), "the VM's template beats the host's files");

        VmDefinition mixed = config.require("mixed").definition();
        assertEquals(Path.of("/boot/my-kernel"), mixed.kernel(), "the VM's own file beats its template");
        assertEquals(templates.resolve("dev/root.img"), mixed.rootfs());
    }

    @Test
    void aTemplateThatIsNotBuiltOrBadlyNamedIsAnErrorAtItsKey() {
        fixture.vm("web", "label = \"red\"\ntemplate = \"fedora\"\n");
        fixture.vm("odd", "template = \"Not/A/Name\"\n");
        assertEquals(List.of(
                fixture.vmFile("odd") + ":1:1: 'template': 'Not/A/Name' is not a template name: a lower-case letter or "
                        + "digit, then lower-case letters, digits, '.', '_' or '-' (at most 64)",
                fixture.vmFile("web") + ":2:1: 'template' \"fedora\" is not built (no " + templates.resolve("fedora/manifest.json")
                        + "): build it with qvm-template build fedora, or see qvm-template list"), errors());
    }

    @Test
    void theHostFileAloneLoadsBeforeItsTemplateIsBuilt() {
        fixture.host("""
                state-dir = "%s"
                data-dir = "%s"
                [defaults]
                template = "fedora"
                """.formatted(dir.resolve("run"), dir.resolve("lib")));
        assertEquals(Optional.of("fedora"), new ConfigLoader().loadHost(fixture.hostFile).defaults().template(),
                "qvm-template build must be able to read it to build fedora");
        assertEquals(1, errors().size(), "every other tool says it is not built");
    }

    @Test
    void qvmTemplateReadsVmsThatNameTemplatesNotBuiltYet() {
        fixture.vm("web", "template = \"fedora\"\n");
        fixture.vm("odd", "template = \"Not/A/Name\"\n");
        ConfigException bad = assertThrows(ConfigException.class,
                () -> ConfigLoader.acceptingUnbuiltTemplates().load(fixture.hostFile, ConfigLoader.Recording.NEVER));
        assertEquals(1, bad.diagnostics().size(), "a bad name is still an error: " + bad.diagnostics());

        fixture.vm("odd", "template = \"dev\"\n");
        Configuration config = ConfigLoader.acceptingUnbuiltTemplates().load(fixture.hostFile, ConfigLoader.Recording.NEVER);
        assertEquals(Optional.of("fedora"), config.require("web").definition().template());
        assertEquals(templates.resolve("fedora/vmlinuz"), config.require("web").definition().kernel());
        assertThrows(ConfigException.class, fixture::load, "every other tool still says fedora is not built");
    }

    @Test
    void overTcpEveryVmWithAnAgentNeedsNetwork() {
        fixture.host("""
                state-dir = "%s"
                data-dir = "%s"
                [network]
                uplink = "eth0"
                [guest]
                transport = "tcp"
                """.formatted(dir.resolve("run"), dir.resolve("lib")));
        fixture.vm("net", "[network]\n");
        fixture.vm("offline", "label = \"yellow\"\n");
        fixture.vm("quiet", "agent = \"none\"\n");
        List<String> errors = errors();
        assertEquals(1, errors.size(), errors.toString());
        assertEquals(fixture.vmFile("offline") + ":1:1: 'offline' has no network, but [guest] transport = \"tcp\" in "
                + fixture.hostFile + " reaches the agent over the VM's network: give it a [network] table, or set "
                + "agent = \"none\"", errors.get(0));
    }
}
