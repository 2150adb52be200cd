package org.qvm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disposable templates, the default one, and the disposables that exist (in the state directory). */
class DisposableConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new ConfigFixture(dir);
    }

    private void host(String defaults) {
        fixture.hostWithDirs("""
                [defaults]
                %s
                [network]
                uplink = "eth0"
                """.formatted(defaults));
    }

    private List<String> errors() {
        return assertThrows(ConfigException.class, fixture::load).diagnostics().stream().map(Diagnostic::toString).toList();
    }

    @Test
    void aDisposableIsItsTemplateUnderItsOwnNameWithoutWhatOnlyOneVmMayHave() throws Exception {
        host("dispvm = \"dvm\"");
        fixture.vm("dvm", "disposable-template = true\nlabel = \"red\"\nmemory = 512\ncid = 40\n[network]\naddress = \"10.0.0.9\"\n");
        Files.createDirectories(dir.resolve("run/disposables"));
        Files.writeString(dir.resolve("run/disposables/disp1.toml"), "disposable-of = \"dvm\"\n");
        Configuration configuration = fixture.load();
        VmDefinition template = configuration.require("dvm").definition();
        assertTrue(template.disposableTemplate());
        assertFalse(template.disposable());
        VmDefinition disposable = configuration.require("disp1").definition();
        assertEquals(Optional.of("dvm"), disposable.disposableOf());
        assertFalse(disposable.disposableTemplate(), "a disposable is no template itself");
        assertEquals(512, disposable.memoryMib());
        assertEquals(OptionalLong.empty(), disposable.cid(), "not the template's pinned CID");
        assertEquals(Optional.empty(), disposable.network().address(), "nor its pinned address");
        assertTrue(disposable.network().enabled());
        assertTrue(configuration.require("disp1").cid() != 40, "its own CID from the pool");
    }

    @Test
    void theDefaultMustBeADisposableTemplateAndNoVmFileMayTakeADisposablesName() {
        host("dispvm = \"dev\"");
        fixture.vm("dev", "");
        fixture.vm("disp7", "");
        List<String> errors = errors();
        assertTrue(errors.stream().anyMatch(line -> line.contains("'defaults.dispvm' names 'dev', which is no VM with "
                + "disposable-template = true")), errors.toString());
        assertTrue(errors.stream().anyMatch(line -> line.startsWith(fixture.vmFile("disp7") + ":1:1: 'disp7' is a disposable VM's name")),
                errors.toString());
    }
}
