package org.qvm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which hypervisor runs a VM, qemu's settings, and what qemu cannot do. */
class HypervisorConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new ConfigFixture(dir);
    }

    private void host(String extra) {
        fixture.hostWithDirs(extra + "\n");
    }

    private List<String> errors() {
        return assertThrows(ConfigException.class, fixture::load).diagnostics().stream().map(Diagnostic::toString).toList();
    }

    @Test
    void crosvmUnlessTheHostOrTheVmSaysQemuAndWaylandOnlyWhereItCanBeForwarded() {
        host("[qemu]\naccel = \"tcg\"\nextra-args = [\"-rtc\", \"base=utc\"]\n");
        fixture.vm("plain", "");
        fixture.vm("build", "hypervisor = \"qemu\"\n[qemu]\nextra-args = [\"-snapshot\"]\n");
        Configuration config = fixture.load();
        assertEquals(HostConfig.Hypervisor.CROSVM, config.host().hypervisor());
        assertEquals(new HostConfig.Qemu("qemu-system-x86_64", HostConfig.Accel.TCG, List.of("-rtc", "base=utc")),
                config.host().qemu());
        VmDefinition plain = config.require("plain").definition();
        assertEquals(HostConfig.Hypervisor.CROSVM, plain.hypervisor());
        assertTrue(plain.wayland(), "crosvm forwards Wayland by default");
        VmDefinition build = config.require("build").definition();
        assertEquals(HostConfig.Hypervisor.QEMU, build.hypervisor());
        assertFalse(build.wayland(), "qemu cannot forward it, so it is off by default");
        assertEquals(List.of("-snapshot"), build.qemuExtraArgs());

        host("hypervisor = \"qemu\"\n");
        fixture.vm("gui", "hypervisor = \"crosvm\"\n");
        config = fixture.load();
        assertEquals(HostConfig.Hypervisor.QEMU, config.require("plain").definition().hypervisor());
        assertEquals(HostConfig.Accel.AUTO, config.host().qemu().accel());
        assertTrue(config.require("gui").definition().wayland());
    }

    @Test
    void qemuForwardsWaylandWithWaypipeAndSaysWhyNotWithVirtwl() {
        host("hypervisor = \"qemu\"\n");
        fixture.vm("web", "label = \"green\"\nwayland = true\n");
        fixture.vm("own", "hypervisor = \"qemu\"\nwayland = true\nwayland-transport = \"virtwl\"\n");
        fixture.vm("plain", "hypervisor = \"qemu\"\n");
        assertEquals(List.of(
                fixture.vmFile("own") + ":2:1: 'wayland' = true with the virtwl transport needs crosvm, but this VM runs on qemu "
                        + "(its hypervisor = \"qemu\"), which has no virtwl: set wayland-transport = \"waypipe\", or hypervisor = "
                        + "\"crosvm\""), errors());
    }

    @Test
    void theWaylandTransportIsTheVmsTheHostsOrTheHypervisorsDefault() {
        host("[wayland]\ntransport = \"waypipe\"\n");
        fixture.vm("a", "");
        fixture.vm("b", "wayland-transport = \"virtwl\"\n");
        fixture.vm("c", "hypervisor = \"qemu\"\nwayland = true\n");
        Configuration configuration = new ConfigLoader().load(fixture.hostFile, ConfigLoader.Recording.NEVER);
        assertEquals(HostConfig.WaylandTransport.WAYPIPE, configuration.require("a").definition().waylandTransport());
        assertEquals(HostConfig.WaylandTransport.VIRTWL, configuration.require("b").definition().waylandTransport());
        assertTrue(configuration.require("c").definition().wayland(), "qemu forwards Wayland with waypipe");
        host("");
        Configuration byHypervisor = new ConfigLoader().load(fixture.hostFile, ConfigLoader.Recording.NEVER);
        assertEquals(HostConfig.WaylandTransport.VIRTWL, byHypervisor.require("a").definition().waylandTransport());
        assertEquals(HostConfig.WaylandTransport.WAYPIPE, byHypervisor.require("c").definition().waylandTransport());
    }

    @Test
    void badHypervisorsAndAccelsAreErrorsAtTheirKeys() {
        host("hypervisor = \"xen\"\n[qemu]\naccel = \"hvf\"\n");
        assertEquals(List.of(
                fixture.hostFile + ":3:1: 'hypervisor': 'xen' is not one of \"crosvm\" or \"qemu\"",
                fixture.hostFile + ":5:1: 'qemu.accel': 'hvf' is not one of \"auto\" or \"kvm\" or \"tcg\""), errors());
    }

    @Test
    void qemuHasNoHybridVsock() {
        host("[guest]\ntransport = \"unix\"\n");
        fixture.vm("fine", "");
        fixture.vm("quiet", "hypervisor = \"qemu\"\nagent = \"none\"\n");
        fixture.vm("vm", "hypervisor = \"qemu\"\n");
        List<String> errors = errors();
        assertEquals(1, errors.size(), errors.toString());
        assertEquals(fixture.vmFile("vm") + ":1:1: 'vm' runs on qemu, which has no hybrid vsock for [guest] transport = "
                + "\"unix\" in " + fixture.hostFile + ": use transport = \"vsock\" (with /dev/vhost-vsock) or \"tcp\", or "
                + "set agent = \"none\"", errors.get(0));
    }
}
