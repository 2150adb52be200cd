package org.qvm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.Examples;

class ConfigLoaderTest {
    @TempDir
    Path dir;
    ConfigFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new ConfigFixture(dir);
    }

    /** Loads expecting failure; returns the diagnostics as printed lines. */
    private List<String> errors() {
        ConfigException e = assertThrows(ConfigException.class, fixture::load);
        return e.diagnostics().stream().map(Diagnostic::toString).toList();
    }

    private String onlyError() {
        List<String> errors = errors();
        assertEquals(1, errors.size(), errors.toString());
        return errors.get(0);
    }

    @Test
    void theExamplesLoadWithTheArticlesSixVms() {
        Configuration config = new ConfigLoader().load(Examples.copyTo(dir.resolve("ex")), ConfigLoader.Recording.ALWAYS);
        assertEquals(Examples.VM_NAMES, config.names());

        Vm shopping = config.require("shopping");
        assertEquals(7, shopping.cid());
        assertEquals("10.0.0.7", shopping.link().orElseThrow().guest().toString());
        assertEquals("10.0.0.6", shopping.link().orElseThrow().host().toString());
        assertEquals(Label.GREEN, shopping.definition().label());
        assertEquals(2048, shopping.definition().memoryMib());
        assertEquals(Size.parse("10G"), shopping.definition().privateSize());
        assertEquals(List.of(new VmDefinition.Share(Path.of("/home/user/share/shopping"), "share", false)),
                shopping.definition().shares());

        Vm dev = config.require("dev");
        assertEquals(4096, dev.definition().memoryMib());
        assertEquals(4, dev.definition().cpus());
        assertTrue(dev.definition().wayland());
        assertEquals(Path.of("/var/lib/qvm/vmlinux"), dev.definition().kernel());

        assertEquals(Optional.empty(), config.require("personal").link(), "personal has no network");
        assertTrue(config.require("untrusted").definition().shares().get(0).readOnly());

        HostConfig host = config.host();
        assertEquals(HostConfig.StoragePool.LVM, host.storage().pool());
        assertEquals("qubes", host.storage().volumeGroup());
        assertEquals(Optional.of("eno2"), host.network().uplink());
        assertEquals(List.of(Ipv4Address.parse("9.9.9.9")), host.network().dns());
        assertEquals(HostConfig.GuestTransport.VSOCK, host.guest().transport());
        assertEquals(5000, host.guest().port());
        assertEquals(dir.resolve("ex/vms"), host.vmDir());
    }

    @Test
    void vmsInheritTheHostDefaultsAndRelativePathsFollowTheirFile() {
        fixture.host("""
                state-dir = "run"
                data-dir = "lib"
                [defaults]
                kernel = "kernels/vmlinux"
                memory = "3G"
                cpus = 3
                kernel-params = "quiet"
                private-size = "5G"
                """);
        fixture.vm("plain", "");
        fixture.vm("own", "memory = 512\nkernel = \"../own/bzImage\"\nkernel-params = \"debug\"\n");
        Configuration config = fixture.load();
        VmDefinition plain = config.require("plain").definition();
        assertEquals(3072, plain.memoryMib());
        assertEquals(3, plain.cpus());
        assertEquals("quiet", plain.kernelParams());
        assertEquals(Size.parse("5G"), plain.privateSize());
        assertEquals(dir.resolve("kernels/vmlinux"), plain.kernel());
        assertEquals(Label.RED, plain.label());
        assertFalse(plain.network().enabled());
        assertEquals(dir.resolve("run"), config.host().stateDir());
        VmDefinition own = config.require("own").definition();
        assertEquals(512, own.memoryMib());
        assertEquals("debug", own.kernelParams());
        assertEquals(dir.resolve("own/bzImage"), own.kernel());
    }

    @Test
    void aNetworkTableWithoutEnabledMeansNetworkAndEnabledFalseMeansNone() {
        fixture.vm("a", "[network]\n");
        fixture.vm("b", "[network]\nenabled = false\naddress = \"10.0.0.9\"\n");
        Configuration config = fixture.load();
        assertTrue(config.require("a").link().isPresent());
        assertEquals(Optional.empty(), config.require("b").link());
    }

    @Test
    void aSyntaxErrorNamesFileLineAndColumn() {
        fixture.vm("dev", "label = \"blue\"\nmemory = \n");
        assertEquals(fixture.vmFile("dev") + ":2:10: TOML syntax error: Newline not permitted here", onlyError());
    }

    @Test
    void aKeySetTwiceIsReportedWhereItIsRepeated() {
        fixture.vm("dev", "label = \"blue\"\n[private]\nsize = \"1G\"\nsize = \"2G\"\n");
        assertEquals(fixture.vmFile("dev") + ":4:1: TOML syntax error: key 'private.size' is set twice", onlyError());
    }

    @Test
    void unknownKeysAreReportedWithASuggestion() {
        fixture.vm("dev", "label = \"blue\"\nmemroy = 2048\n[network]\nadress = \"10.0.0.9\"\n[colour]\n");
        assertEquals(List.of(
                fixture.vmFile("dev") + ":2:1: unknown key 'memroy' (did you mean 'memory'?)",
                fixture.vmFile("dev") + ":4:1: unknown key 'network.adress' (did you mean 'address'?)",
                fixture.vmFile("dev") + ":5:1: unknown key 'colour'"), errors());
    }

    @Test
    void unknownKeysInTheHostFileToo() {
        fixture.host("stat-dir = \"/run/x\"\n[netwrok]\nuplink = \"eth0\"\n");
        assertEquals(List.of(
                fixture.hostFile + ":1:1: unknown key 'stat-dir' (did you mean 'state-dir'?)",
                fixture.hostFile + ":2:1: unknown key 'netwrok' (did you mean 'network'?)"), errors());
    }

    @Test
    void wrongTypesAreReportedWithWhatWasFound() {
        fixture.vm("dev", """
                cpus = "two"
                autostart = "yes"
                memory = true
                network = 5
                [[share]]
                path = 7
                """);
        String f = fixture.vmFile("dev").toString();
        assertEquals(List.of(
                f + ":1:1: 'cpus' must be an integer, not the string \"two\"",
                f + ":2:1: 'autostart' must be true or false, not the string \"yes\"",
                f + ":3:1: 'memory' must be a number of MiB or a size like \"2G\", not the boolean true",
                f + ":4:1: 'network' must be a table, not the integer 5",
                f + ":6:1: 'share.path' must be a string, not the integer 7"), errors());
    }

    @Test
    void badSizesAndRangesAreReported() {
        fixture.vm("dev", """
                memory = "2.5G"
                cpus = 0
                cid = 2
                [private]
                size = "10X"
                """);
        fixture.vm("tiny", "memory = 16\n[private]\nsize = \"1M\"\n");
        String dev = fixture.vmFile("dev").toString();
        String tiny = fixture.vmFile("tiny").toString();
        assertEquals(List.of(
                dev + ":1:1: 'memory': '2.5G' is not a size (like \"512M\", \"2G\" or \"10GiB\")",
                dev + ":2:1: 'cpus' must be between 1 and 256, not 0",
                dev + ":3:1: 'cid' must be between 3 and 4294967294, not 2",
                dev + ":5:1: 'private.size': '10X' is not a size (like \"512M\", \"2G\" or \"10GiB\")",
                tiny + ":1:1: 'memory' must be between 64 and 1048576, not 16",
                tiny + ":3:1: 'private.size' must be a whole number of MiB and at least 16M, not 1M"), errors());
    }

    @Test
    void badAddressesAreReported() {
        fixture.vm("a", "[network]\naddress = \"10.0.0.300\"\n");
        fixture.vm("b", "[network]\naddress = \"10.0.0.8\"\n");
        fixture.vm("c", "[network]\naddress = \"192.168.1.3\"\n");
        fixture.vm("d", "[network]\naddress = \"10.0.0.1\"\n");
        assertEquals(List.of(
                fixture.vmFile("a") + ":2:1: 'network.address': '10.0.0.300' is not an IPv4 address (like 10.0.0.3)",
                fixture.vmFile("b") + ":2:1: 'network.address' 10.0.0.8 is even: a guest takes the odd address of "
                        + "its /31, the host the even one below it (try 10.0.0.9)",
                fixture.vmFile("c") + ":2:1: 'network.address' 192.168.1.3 is outside the pool 10.0.0.0/24 set in "
                        + fixture.hostFile,
                fixture.vmFile("d") + ":2:1: 'network.address' 10.0.0.1 is in the first or last /31 of the pool "
                        + "10.0.0.0/24, which are not handed out"), errors());
    }

    @Test
    void twoVmsWithOneCidOrOneAddressAreAConflict() {
        fixture.vm("alpha", "cid = 7\n[network]\naddress = \"10.0.0.9\"\n");
        fixture.vm("beta", "label = \"blue\"\ncid = 7\n");
        fixture.vm("gamma", "[network]\naddress = \"10.0.0.9\"\n");
        assertEquals(List.of(
                fixture.vmFile("beta") + ":2:1: 'cid' 7 is also the vsock CID of VM 'alpha' (" + fixture.vmFile("alpha")
                        + ":1); no two VMs may share a vsock CID",
                fixture.vmFile("gamma") + ":2:1: 'network.address' 10.0.0.9 is also the address of VM 'alpha' ("
                        + fixture.vmFile("alpha") + ":3); no two VMs may share a address"), errors());
    }

    @Test
    void aBadVmNameSaysTheRule() {
        fixture.vm("Bad_Name", "");
        fixture.vm("waytoolongname", "");
        List<String> errors = errors();
        assertEquals(2, errors.size());
        assertEquals(fixture.vmFile("Bad_Name") + ":1:1: 'Bad_Name' is not a valid VM name: a name is "
                + VmName.RULE + "; rename the file", errors.get(0));
        assertTrue(errors.get(1).startsWith(fixture.vmFile("waytoolongname") + ":1:1: 'waytoolongname' is not"));
    }

    @Test
    void labelsAndSharesAreChecked() {
        fixture.vm("dev", """
                label = "pink"
                [[share]]
                path = "relative/dir"
                [[share]]
                path = "/a:b"
                [[share]]
                path = "/srv/x"
                tag = "x"
                [[share]]
                path = "/srv/y"
                tag = "x"
                [[share]]
                tag = "lonely"
                """);
        String f = fixture.vmFile("dev").toString();
        assertEquals(List.of(
                f + ":1:1: 'label': 'pink' is not a label; labels are red, orange, yellow, green, gray, blue, purple, black",
                f + ":3:1: 'share.path': 'relative/dir' must be an absolute path",
                f + ":5:1: 'share.path': '/a:b' cannot contain ':' or ',' (crosvm's --shared-dir uses them as separators)",
                f + ":11:1: 'share.tag' \"x\" is used by another share of this VM; each share needs its own tag",
                f + ":12:1: a [[share]] needs a 'path'"), errors());
    }

    @Test
    void hostProblemsAreReported() {
        fixture.host("""
                vm-dir = "nowhere"
                state-dir = "/%s"
                [storage]
                pool = "zfs"
                volume-group = "-bad"
                [network]
                pool = "10.0.0.0/30"
                dns = ["9.9.9.9", "nine"]
                [guest]
                transport = "quic"
                """.formatted("x".repeat(90)));
        String f = fixture.hostFile.toString();
        assertEquals(List.of(
                f + ":1:1: the VM directory " + dir.resolve("nowhere") + " does not exist",
                f + ":2:1: 'state-dir' is longer than 83 bytes: sockets under it (<state-dir>/<vm>/crosvm.sock) would "
                        + "pass the 107-byte limit of a UNIX socket path",
                f + ":4:1: 'storage.pool': 'zfs' is not one of \"lvm\" or \"file\"",
                f + ":5:1: 'storage.volume-group': '-bad' is not an LVM volume group name (letters, digits and +_.- "
                        + "only, not starting with '-')",
                f + ":7:1: 'network.pool': '10.0.0.0/30' is too small: the pool needs at least a /29, since each VM "
                        + "takes a /31 and the first and last pairs are not used",
                f + ":8:19: 'network.dns': 'nine' is not an IPv4 address (like 10.0.0.3)",
                f + ":10:1: 'guest.transport': 'quic' is not one of \"vsock\" or \"unix\" or \"tcp\""), errors());
    }

    @Test
    void networkedVmsNeedAnUplinkAndRoomInThePool() {
        fixture.host("data-dir = \"lib\"\n[network]\npool = \"10.9.0.0/29\"\n");
        fixture.vm("a", "[network]\n").vm("b", "[network]\n").vm("c", "[network]\n").vm("d", "");
        String f = fixture.hostFile.toString();
        assertEquals(List.of(
                f + ":2:1: 'network.uplink' is not set, but a, b, c have network enabled: name the host interface "
                        + "they reach the outside through",
                f + ":3:1: 'network.pool' 10.9.0.0/29 has room for 2 VMs with network (one /31 each, first and last "
                        + "pairs unused), but 3 have network enabled"), errors());
    }

    @Test
    void everyProblemInEveryFileIsReportedInOneRun() {
        fixture.host("bogus = 1\ndata-dir = \"lib\"\n");
        fixture.vm("a", "memory = \n");
        fixture.vm("b", "cpus = \"x\"\nlabl = \"red\"\n");
        fixture.vm("B", "");
        List<String> errors = errors();
        assertEquals(5, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith(fixture.hostFile + ":1:1: unknown key 'bogus'"), errors.get(0));
        assertTrue(errors.get(1).startsWith(fixture.vmFile("B") + ":1:1: 'B' is not a valid VM name"), errors.get(1));
        assertTrue(errors.get(2).startsWith(fixture.vmFile("a") + ":1:"), errors.get(2));
        assertTrue(errors.get(3).startsWith(fixture.vmFile("b") + ":1:1: 'cpus' must be"), errors.get(3));
        assertTrue(errors.get(4).startsWith(fixture.vmFile("b") + ":2:1: unknown key 'labl'"), errors.get(4));
    }

    @Test
    void aBrokenConfigurationWritesNothing() {
        fixture.vm("a", "[network]\n");
        fixture.vm("b", "memroy = 1\n");
        assertThrows(ConfigException.class, fixture::load);
        assertFalse(Files.exists(dir.resolve("lib")), "no allocation record, not even its directory");
    }

    @Test
    void aMissingHostFileIsAClearError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConfigLoader().load(dir.resolve("absent.toml"), ConfigLoader.Recording.NEVER));
        assertEquals(dir.resolve("absent.toml") + ":1:1: no such file", e.getMessage());
    }

    @Test
    void theConfigPathComesFromTheEnvironment() {
        assertEquals(Path.of("/etc/qvm/qvm.toml"), ConfigLoader.configPath(Map.of()));
        assertEquals(Path.of("/etc/qvm/qvm.toml"), ConfigLoader.configPath(Map.of("QVM_CONFIG", "")));
        assertEquals(Path.of("examples/qvm.toml"), ConfigLoader.configPath(Map.of("QVM_CONFIG", "examples/qvm.toml")));
    }

    @Test
    void unknownVmNamesGetASuggestion() {
        fixture.vm("shopping", "");
        UnknownVmException e = assertThrows(UnknownVmException.class, () -> fixture.load().require("shoping"));
        assertTrue(e.getMessage().startsWith("no such domain: 'shoping' (did you mean 'shopping'?)"), e.getMessage());
    }
}
