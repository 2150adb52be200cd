package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.Examples;

/** The real bin/qvm-ls, as a user runs it: a process over the built jar, from another directory. */
class BinWrappersIT {
    @TempDir
    Path dir;
    Path config;
    Path elsewhere;

    record Run(int status, String out, String err) {
    }

    @BeforeEach
    void setUp() throws IOException {
        config = Examples.copyTo(dir.resolve("config"));
        elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    }

    private Run run(Path program, String... args) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of(program.toString()));
        argv.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(argv).directory(elsewhere.toFile());
        builder.environment().put("QVM_CONFIG", config.toString());
        builder.redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "finished in time");
        return new Run(process.exitValue(), Files.readString(dir.resolve("out"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("err"), StandardCharsets.UTF_8));
    }

    private static Path bin(String tool) {
        return Examples.repositoryRoot().resolve("bin").resolve(tool);
    }

    @Test
    void qvmLsListsTheSixExampleVmsFromAnyDirectory() throws Exception {
        Run run = run(bin("qvm-ls"), "--raw-list");
        assertEquals(0, run.status(), run.err());
        assertEquals(String.join("\n", Examples.VM_NAMES) + "\n", run.out());
        assertEquals("", run.err());
    }

    @Test
    void aSymlinkedWrapperStillFindsTheJar() throws Exception {
        Path link = Files.createSymbolicLink(elsewhere.resolve("qvm-ls"), bin("qvm-ls"));
        Run run = run(link, "--raw-data", "--fields", "name,cid", "shopping");
        assertEquals(0, run.status(), run.err());
        assertEquals("shopping|7\n", run.out());
        Files.delete(link);
    }

    /** Each broken copy of the examples: non-zero, FILE:LINE in the message, nothing written. */
    @Test
    void brokenCopiesOfTheExamplesFailWithFileAndLineAndChangeNothing() throws Exception {
        Path vms = config.resolveSibling("vms");
        Path shopping = vms.resolve("shopping.toml");
        String original = Files.readString(shopping);
        List<String[]> cases = List.of(
                new String[] {"syntax error", "memory = 2048", "memory = ", shopping + ":3:10: TOML syntax error"},
                new String[] {"unknown key", "cpus = 2", "cpu = 2", shopping + ":4:1: unknown key 'cpu' (did you mean 'cpus'?)"},
                new String[] {"wrong type", "cpus = 2", "cpus = \"2\"", shopping + ":4:1: 'cpus' must be an integer"},
                new String[] {"duplicate CID", "cid = 7 ", "cid = 5 ", shopping + ":9:1: 'cid' 5 is also the vsock CID of VM 'dev'"});
        Files.writeString(vms.resolve("dev.toml"), "cid = 5\n" + Files.readString(vms.resolve("dev.toml")));
        for (String[] broken : cases) {
            Files.writeString(shopping, original.replace(broken[1], broken[2]));
            Run run = run(bin("qvm-ls"));
            assertEquals(1, run.status(), broken[0]);
            assertTrue(run.err().startsWith(broken[3]), broken[0] + ": " + run.err());
            assertTrue(run.err().endsWith("nothing was changed\n"), run.err());
            assertEquals("", run.out(), broken[0]);
            assertFalse(Files.exists(config.resolveSibling("lib")), broken[0] + ": nothing written");
        }
        Files.writeString(shopping, original);
        Files.move(shopping, vms.resolve("Shop_ping.toml"));
        Run badName = run(bin("qvm-ls"));
        assertEquals(1, badName.status());
        assertTrue(badName.err().startsWith(vms.resolve("Shop_ping.toml") + ":1:1: 'Shop_ping' is not a valid VM name"),
                badName.err());
        assertFalse(Files.exists(config.resolveSibling("lib")));
    }
}
