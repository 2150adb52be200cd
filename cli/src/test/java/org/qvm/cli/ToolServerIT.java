package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.Examples;
import org.qvm.testsupport.HostSandbox;
import org.qvm.testsupport.Privileged;

/**
 * The tool server (bin/qvm-tool-server) and the tools' client side, as real processes: a served
 * command prints and exits exactly as in its own JVM; a client the server cannot serve as its own
 * JVM would runs the tool itself; standard input is read only as the command asks.
 * (ServedLifecycleIT and ServedGuestChannelIT run the lifecycle and guest-channel tests served.)
 */
class ToolServerIT {
    @TempDir
    Path dir;
    Path config;
    Path socket;
    Path log;
    Process server;

    record Run(int status, String out, String err) {
    }

    @BeforeEach
    void setUp() throws IOException {
        config = Examples.copyTo(dir.resolve("config"));
        Path sockets = Files.createDirectory(dir.resolve("sockets"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        socket = sockets.resolve("tools.sock");
        log = dir.resolve("server.log");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (server != null) {
            server.destroy();
            assertTrue(server.waitFor(10, TimeUnit.SECONDS), "the server stops on SIGTERM");
        }
    }

    private void startServer(Map<String, String> environment, List<String> prefix) throws Exception {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of(bin("qvm-tool-server").toString(), "--socket", socket.toString()));
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        server = builder.start();
        // Serving, not only bound: the server sets its socket's mode after it binds.
        HostSandbox.await("the server serving", Duration.ofSeconds(60), () -> !server.isAlive() || serving());
        assertTrue(server.isAlive(), Files.readString(log));
    }

    private boolean serving() {
        try {
            return Files.readString(log).contains("serving on " + socket);
        } catch (IOException e) {
            return false;
        }
    }

    /** Which client the tools use: here bin/qvm-tool-client (Python), wherever /usr/bin/python3 is. */
    Map<String, String> clientEnvironment() {
        return Map.of();
    }

    private Run run(Map<String, String> environment, List<String> prefix, Path stdin, String... command) throws Exception {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile());
        builder.environment().put("QVM_CONFIG", config.toString());
        builder.environment().put("QVM_TOOL_SOCKET", socket.toString());
        builder.environment().putAll(clientEnvironment());
        builder.environment().putAll(environment);
        Path out = Files.createTempFile(dir, "out", "");
        Path err = Files.createTempFile(dir, "err", "");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null")) : ProcessBuilder.Redirect.from(stdin.toFile()));
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "finished in time");
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private Run served(String... command) throws Exception {
        return run(Map.of("QVM_TOOL_CLIENT", "require"), List.of(), null, command);
    }

    private Run local(String... command) throws Exception {
        return run(Map.of("QVM_TOOL_CLIENT", "local"), List.of(), null, command);
    }

    private static Path bin(String tool) {
        return Examples.repositoryRoot().resolve("bin").resolve(tool);
    }

    @Test
    void aServedCommandPrintsAndExitsAsInItsOwnJvm() throws Exception {
        startServer(Map.of(), List.of());
        String ls = bin("qvm-ls").toString();
        for (String[] command : List.of(new String[] {ls}, new String[] {ls, "--raw-data", "--fields", "name,cid,ip", "shopping"},
                new String[] {ls, "-v", "--raw-list"}, new String[] {ls, "-q", "nosuchvm"}, new String[] {ls, "--bogus"}, new String[] {ls, "nosuchvm"}, new String[] {ls, "--help"},
                new String[] {bin("qvm-shutdown").toString(), "--dry-run", "shopping"},
                new String[] {bin("qvm-run").toString(), "-n", "-p", "shopping", "true"})) {
            Run served = served(command);
            Run local = local(command);
            assertEquals(local, served, String.join(" ", command));
        }
        assertEquals(2, served(ls, "--bogus").status());
    }

    /** A relative QVM_CONFIG names a file in the client's directory, and messages name it so: its own JVM. */
    @Test
    void theServersJvmCompilesWhatItRunsAfterAFewRuns() throws Exception {
        startServer(Map.of(), List.of());
        // The wrappers exec their way to the JVM: the process started is the server's java.
        List<String> argv = List.of(Files.readString(Path.of("/proc/" + server.pid() + "/cmdline")).split("\0"));
        assertTrue(argv.contains("-XX:CompileThresholdScaling=0.05"), argv.toString());
        assertTrue(argv.contains("qvm-tool-server"), argv.toString());
    }

    @Test
    void aRelativeConfigurationPathIsTheClientsOwn() throws Exception {
        startServer(Map.of(), List.of());
        Map<String, String> relative = Map.of("QVM_TOOL_CLIENT", "require", "QVM_CONFIG", dir.relativize(config).toString());
        Run run = run(relative, List.of(), null, bin("qvm-ls").toString(), "nosuchvm");
        assertEquals(new Run(1, "", "qvm-ls: error: no such domain: 'nosuchvm'; VMs are defined in config/vms/NAME.toml\n"), run);
    }

    /** The thin client is the interpreter QVM_PYTHON names; the JVM's own client when it names none. */
    @Test
    void aServedToolsClientIsPythonWhenThereIsOne() throws Exception {
        startServer(Map.of(), List.of());
        Path marker = dir.resolve("python-ran");
        Path python = dir.resolve("python");
        Files.writeString(python, "#!/bin/sh\n: >'" + marker + "'\nexec /usr/bin/python3 \"$@\"\n");
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> withPython = Map.of("QVM_TOOL_CLIENT", "require", "QVM_PYTHON", python.toString());
        Run run = run(withPython, List.of(), null, bin("qvm-ls").toString(), "--raw-list");
        assertEquals(new Run(0, String.join("\n", Examples.VM_NAMES) + "\n", ""), run);
        assertTrue(Files.exists(marker), "the Python client served it");

        Files.delete(marker);
        Run java = run(Map.of("QVM_TOOL_CLIENT", "require", "QVM_PYTHON", ""), List.of(), null, bin("qvm-ls").toString(), "--raw-list");
        assertEquals(run, java, "the JVM's own client, the same");
        assertTrue(Files.notExists(marker));
    }

    /** The tools bin/qvm-java hands to the thin client are exactly the ones the server serves. */
    @Test
    void theWrapperHandsTheServedToolsAndOnlyThoseToTheThinClient() throws Exception {
        String wrapper = Files.readString(bin("qvm-java"));
        java.util.regex.Matcher served = java.util.regex.Pattern.compile("\\*/(qvm-[a-z]+)").matcher(
                wrapper.substring(wrapper.indexOf("case ${QVM_TOOL_CLIENT:-}/${1:-} in")));
        java.util.Set<String> tools = new java.util.TreeSet<>();
        while (served.find()) {
            tools.add(served.group(1));
        }
        assertEquals(new java.util.TreeSet<>(ToolWire.SERVED), tools);
    }

    @Test
    void standardInputIsReadOnlyAsTheCommandAsksForIt() throws Exception {
        startServer(Map.of(), List.of());
        Path input = dir.resolve("input");
        Files.writeString(input, "first line\nsecond line\n");
        Run run = run(Map.of("QVM_TOOL_CLIENT", "require"), List.of("sh", "-c", "\"$0\" >/dev/null && cat"), input, bin("qvm-ls").toString());
        assertEquals(new Run(0, "first line\nsecond line\n", ""), run, "qvm-ls took none of the input it did not read");
    }

    @Test
    void whatRunsInItsOwnJvmByDesignStillRunsThere() throws Exception {
        startServer(Map.of(), List.of());
        Run debug = served(bin("qvm-ls").toString(), "-vv", "--raw-list");
        assertEquals(0, debug.status(), "-vv sets the log level: its own JVM, not a refusal: " + debug.err());
        assertEquals(String.join("\n", Examples.VM_NAMES) + "\n", debug.out());
        String kill = bin("qvm-kill").toString();
        assertEquals(local(kill, "--dry-run", "shopping"), served(kill, "--dry-run", "shopping"), "qvm-kill is never served");
    }

    @Test
    void aRebuiltJarStopsTheServerAndItsClientsRunTheToolThemselves() throws Exception {
        Path jar = Files.copy(Examples.repositoryRoot().resolve("cli/target/qvm.jar"), dir.resolve("qvm.jar"));
        startServer(Map.of("QVM_JAR", jar.toString()), List.of());
        Map<String, String> environment = new HashMap<>(Map.of("QVM_JAR", jar.toString(), "QVM_TOOL_CLIENT", "require"));
        assertEquals(0, run(environment, List.of(), null, bin("qvm-ls").toString()).status());

        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
        Run refused = run(environment, List.of(), null, bin("qvm-ls").toString(), "--raw-list");
        assertEquals(125, refused.status());
        assertTrue(refused.err().contains("the tool server declined: the client's jar is not the server's"), refused.err());
        assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server stopped");
        assertTrue(Files.readString(log).contains("the jar was rebuilt or replaced"), Files.readString(log));
        server = null;

        environment.remove("QVM_TOOL_CLIENT");
        Run itself = run(environment, List.of(), null, bin("qvm-ls").toString(), "--raw-list");
        assertEquals(new Run(0, String.join("\n", Examples.VM_NAMES) + "\n", ""), itself, "no server: the tool runs itself");
    }

    @Test
    void aClientInAnotherNetworkNamespaceRunsTheToolItself() throws Exception {
        Privileged.requireRoot("unshare");
        startServer(Map.of(), List.of());
        List<String> elsewhere = List.of("unshare", "--net");
        Run refused = run(Map.of("QVM_TOOL_CLIENT", "require"), elsewhere, null, bin("qvm-ls").toString(), "--raw-list");
        assertEquals(125, refused.status());
        assertTrue(refused.err().contains("another network namespace"), refused.err());
        Run itself = run(Map.of(), elsewhere, null, bin("qvm-ls").toString(), "--raw-list");
        assertEquals(new Run(0, String.join("\n", Examples.VM_NAMES) + "\n", ""), itself);
    }

    @Test
    void anotherUsersClientIsRefusedEvenWhenItCanReachTheSocket() throws Exception {
        Privileged.requireRoot("runuser");
        startServer(Map.of(), List.of());
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        Run refused = run(Map.of("QVM_TOOL_CLIENT", "require"), List.of("runuser", "-u", "nobody", "--"), null,
                bin("qvm-ls").toString(), "--raw-list");
        assertEquals(125, refused.status(), refused.err());
        assertTrue(refused.err().contains("the tool server did not answer"), "the client reached the server: " + refused.err());
        HostSandbox.await("the refusal in the log", Duration.ofSeconds(10), () -> {
            try {
                return Files.readString(log).contains("refused a client of user nobody");
            } catch (IOException e) {
                return false;
            }
        });
    }
}
