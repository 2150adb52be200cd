package org.qvm.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A private stand-in for a whole qvm host, for tests that run the real bin/qvm-* commands: a
 * network namespace with an uplink (veth up0) to a second namespace playing the internet, a
 * file pool, fake kernel and root image files, a Wayland socket file, and the stand-in crosvm.
 * Every command runs inside the namespace ({@code ip netns exec}). Closing kills any process the
 * test left behind and removes the namespaces.
 */
public final class HostSandbox implements AutoCloseable {
    public record Run(int status, String out, String err) {
    }

    public final Path dir;
    public final Path config;
    public final NetworkNamespace host;
    public final NetworkNamespace internet;

    public HostSandbox(Path dir) throws IOException {
        this.dir = dir;
        host = NetworkNamespace.create("host");
        internet = NetworkNamespace.create("inet");
        host.link("up0", "192.0.2.2/24", internet, "inet0", "192.0.2.1/24");
        host.run("ip", "route", "add", "default", "via", "192.0.2.1");
        Files.createDirectories(dir.resolve("vms"));
        Files.writeString(dir.resolve("vmlinux"), "stand-in kernel");
        Files.writeString(dir.resolve("rootfs.img"), "stand-in root image");
        Files.writeString(dir.resolve("wayland-0"), "stand-in compositor socket");
        config = dir.resolve("qvm.toml");
        writeHost("root");
    }

    public void writeHost(String crosvmUser) throws IOException {
        writeHost(crosvmUser, Examples.repositoryRoot().resolve("src/test/stand-in/crosvm").toString());
    }

    public void writeHost(String crosvmUser, String crosvmBinary) throws IOException {
        Files.writeString(config, """
                state-dir = "%1$s/run"
                data-dir = "%1$s/lib"
                [crosvm]
                binary = "%2$s"
                user = "%3$s"
                [defaults]
                kernel = "%1$s/vmlinux"
                rootfs = "%1$s/rootfs.img"
                memory = 256
                cpus = 1
                private-size = "32M"
                [storage]
                pool = "file"
                dir = "%1$s/volumes"
                [network]
                uplink = "up0"
                pool = "10.0.0.0/24"
                dns = ["192.0.2.53"]
                [guest]
                transport = "unix"
                start-timeout = 60
                answer-timeout = 10
                [wayland]
                socket = "%1$s/wayland-0"
                """.formatted(dir, crosvmBinary, crosvmUser));
    }

    /** Sets [guest] start-timeout and answer-timeout (seconds) in the host file. */
    public void guestTimeouts(int start, int answer) throws IOException {
        Files.writeString(config, Files.readString(config).replaceAll("(?m)^start-timeout = .*$", "start-timeout = " + start)
                .replaceAll("(?m)^answer-timeout = .*$", "answer-timeout = " + answer));
    }

    public void vm(String name, String text) throws IOException {
        Files.writeString(dir.resolve("vms").resolve(name + ".toml"), text);
    }

    /** The article's six VMs, small, with shares in the sandbox. */
    public void exampleVms() throws IOException {
        for (String name : Examples.VM_NAMES) {
            String text = Files.readString(Examples.repositoryRoot().resolve("examples/vms").resolve(name + ".toml"));
            text = text.replaceAll("(?m)^size = .*$", "size = \"32M\"").replaceAll("(?m)^memory = .*$", "memory = 256")
                    .replace("/home/user/share", dir.resolve("share").toString());
            vm(name, text);
        }
        for (String share : List.of("dev", "shopping", "outbox")) {
            Files.createDirectories(dir.resolve("share").resolve(share));
        }
    }

    /** Runs a bin/ tool inside the namespace and waits for it (bounded). */
    public Run run(String tool, String... args) throws Exception {
        return runWithInput(null, tool, args);
    }

    /** Runs a bin/ tool with its standard input from a file. */
    public Run runWithInput(Path stdin, String tool, String... args) throws Exception {
        return waitedFor(start(stdin, tool, args), tool);
    }

    public Process start(String tool, String... args) throws IOException {
        return start(null, tool, args);
    }

    public Process start(Path stdin, String tool, String... args) throws IOException {
        return start(java.util.Map.of(), stdin, false, tool, args);
    }

    /** Runs a bin/ tool with its standard input closed (not even /dev/null), and waits for it (bounded). */
    public Run runWithClosedInput(String tool, String... args) throws Exception {
        return waitedFor(start(java.util.Map.of(), null, true, tool, args), tool);
    }

    /** Runs a bin/ tool with these environment variables changed, and waits for it (bounded). */
    public Run runWithEnvironment(java.util.Map<String, String> environment, String tool, String... args) throws Exception {
        return waitedFor(start(environment, null, false, tool, args), tool);
    }

    /** The run of a tool started here, once it ended (within 180 s, or the test fails). */
    private Run waitedFor(Process process, String tool) throws Exception {
        assertTrue(process.waitFor(180, TimeUnit.SECONDS), tool + " finished in time");
        return finished(process);
    }

    /** The tool server that runs this sandbox's tools, once {@link #serveTools()} started it. */
    private Process toolServer;
    private final java.util.Map<String, String> toolEnvironment = new java.util.HashMap<>();

    /**
     * Starts a tool server (bin/qvm-tool-server) in the namespace, and from now on runs every tool
     * through it: a tool it serves fails (status 125) rather than run in its own JVM.
     */
    public void serveTools() throws IOException {
        Path directory = Files.createDirectories(dir.resolve("tool-server"));
        Files.setPosixFilePermissions(directory, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path socket = directory.resolve("tools.sock");
        Path log = dir.resolve("tool-server.log");
        // The socket by its environment variable, not --socket: a process whose command line names
        // the sandbox's directory counts as left behind (the start-up cache's maker, which the
        // server's qvm-java may start in the background, has the same command line).
        ProcessBuilder builder = new ProcessBuilder("ip", "netns", "exec", host.name(),
                Examples.repositoryRoot().resolve("bin").resolve("qvm-tool-server").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("QVM_TOOL_SOCKET", socket.toString());
        toolServer = builder.start();
        await("the tool server's socket", Duration.ofSeconds(60), () -> Files.exists(socket) || !toolServer.isAlive());
        assertTrue(toolServer.isAlive(), "the tool server runs: " + readQuietly(log));
        toolEnvironment.put("QVM_TOOL_SOCKET", socket.toString());
        toolEnvironment.put("QVM_TOOL_CLIENT", "require");
    }

    /** The tool server's process, if {@link #serveTools()} started one. */
    public java.util.Optional<Process> toolServer() {
        return java.util.Optional.ofNullable(toolServer);
    }

    /** What the tool server logged so far, for messages. */
    public String toolServerLog() {
        return readQuietly(dir.resolve("tool-server.log"));
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }

    private Process start(java.util.Map<String, String> environment, Path stdin, boolean closeInput, String tool, String... args)
            throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", host.name()));
        if (closeInput) {
            argv.addAll(List.of("sh", "-c", "exec \"$0\" \"$@\" <&-"));
        }
        argv.add(Examples.repositoryRoot().resolve("bin").resolve(tool).toString());
        argv.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(argv);
        builder.environment().putAll(toolEnvironment);
        builder.environment().putAll(environment);
        builder.environment().put("QVM_CONFIG", config.toString());
        Path out = Files.createTempFile(dir, tool, ".out");
        Path err = Files.createTempFile(dir, tool, ".err");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(stdin == null ? new java.io.File("/dev/null") : stdin.toFile()));
        Process process = builder.start();
        outputs.put(process, new Path[] {out, err});
        return process;
    }

    private final java.util.Map<Process, Path[]> outputs = new java.util.concurrent.ConcurrentHashMap<>();

    /** Where the stand-in guest's home is: beside the VM's private image. */
    public Path guestHome(String vm) {
        return dir.resolve("volumes").resolve(vm + "-private.img.home");
    }

    public Path outputOf(Process process) {
        return outputs.get(process)[0];
    }

    public Path errorOf(Process process) {
        return outputs.get(process)[1];
    }

    /** Waits until a running tool's standard output holds the text. */
    public void awaitOutput(Process process, String text, Duration limit) {
        Path output = outputOf(process);
        await("'" + text + "' on standard output", limit, () -> {
            try {
                return Files.readString(output, StandardCharsets.ISO_8859_1).contains(text);
            } catch (IOException e) {
                return false;
            }
        });
    }

    public Run finished(Process process) throws IOException {
        Path[] files = outputs.remove(process);
        return new Run(process.exitValue(), new String(Files.readAllBytes(files[0]), StandardCharsets.UTF_8),
                new String(Files.readAllBytes(files[1]), StandardCharsets.UTF_8));
    }

    /** Asserts that the tool succeeded, showing its standard error if not. */
    public static void assertOk(Run run) {
        assertEquals(0, run.status(), "status 0 expected; standard error:\n" + run.err());
    }

    /** {@code qvm-ls --raw-data --fields name,FIELDS}: each VM's name to its other fields. */
    public java.util.Map<String, List<String>> ls(String fields) throws Exception {
        Run ls = run("qvm-ls", "--raw-data", "--fields", "name," + fields);
        assertOk(ls);
        java.util.Map<String, List<String>> rows = new java.util.LinkedHashMap<>();
        ls.out().lines().map(line -> line.split("\\|", -1))
                .forEach(cells -> rows.put(cells[0], List.of(cells).subList(1, cells.length)));
        return rows;
    }

    /** name -> state, from qvm-ls. */
    public java.util.Map<String, String> states() throws Exception {
        java.util.Map<String, String> states = new java.util.TreeMap<>();
        ls("state").forEach((vm, row) -> states.put(vm, row.get(0)));
        return states;
    }

    public String stateOf(String vm) throws Exception {
        return states().get(vm);
    }

    public boolean linkExists(String name) {
        return host.attempt("ip", "link", "show", "dev", name).succeeded();
    }

    /** A kernel setting's value in the namespace (sysctl -n, '/' separators). */
    public String kernelSetting(String key) {
        return host.run("sysctl", "-n", key).stdout().strip();
    }

    /** Sets a kernel setting in the namespace (only the namespace's: the test made it). */
    public void setKernelSetting(String key, String value) {
        host.run("sysctl", "-q", "-w", key + "=" + value);
    }

    public boolean tableExists() {
        return host.attempt("nft", "list", "table", "inet", "qvm").succeeded();
    }

    public Path runtimeDir(String vm) {
        return dir.resolve("run").resolve(vm);
    }

    public long crosvmPid(String vm) throws IOException {
        return Files.readAllLines(runtimeDir(vm).resolve("state")).stream().filter(line -> line.startsWith("pid="))
                .map(line -> Long.parseLong(line.substring(4))).findFirst().orElseThrow();
    }

    /** Taps (tun/tap links) in the host namespace, by name. */
    public List<String> taps() {
        return host.run("ip", "-o", "link", "show", "type", "tun").stdout().lines()
                .map(line -> line.split(":")[1].trim()).toList();
    }

    /**
     * Asserts that no VM is left behind on the host: no qvm table, no tap and no process of this
     * sandbox (crosvm, the agents and what they started).
     */
    public void assertNothingRunning() {
        assertFalse(tableExists(), "no inet qvm table left");
        assertEquals(List.of(), taps(), "no tap left");
        assertEquals(List.of(), leftoverProcesses().stream().map(p -> p.info().commandLine().orElse("?")).toList(),
                "no process left");
    }

    /** After a test: asserts that nothing of a VM is left ({@link #assertNothingRunning}), then closes the sandbox. */
    public static void closeLeavingNothing(HostSandbox sandbox) {
        if (sandbox == null) {
            return;
        }
        try {
            sandbox.assertNothingRunning();
        } finally {
            sandbox.close();
        }
    }

    /** Processes started for this sandbox (their command line names its directory). */
    public List<ProcessHandle> leftoverProcesses() {
        String mark = dir.toString();
        long self = ProcessHandle.current().pid();
        // The tool server (ip netns exec, which executes its JVM in the same process) is the sandbox's own.
        long server = toolServer == null ? -1 : toolServer.pid();
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(p -> p.pid() != self && p.pid() != server && commandLine(p).contains(mark)).toList();
        }
    }

    private static String commandLine(ProcessHandle process) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline")),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Whether the process runs: it exists and is not a zombie. crosvm is detached, so when it
     * dies it waits as a zombie until init collects it; dead all the same.
     */
    public static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until the condition holds, checking every 20 ms, and fails after {@code limit}. */
    public static void await(String what, Duration limit, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(limit);
        while (!condition.getAsBoolean()) {
            assertTrue(Instant.now().isBefore(deadline), "timed out waiting: " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }

    @Override
    public void close() {
        if (toolServer != null) {
            toolServer.destroy();
            try {
                if (!toolServer.waitFor(10, TimeUnit.SECONDS)) {
                    toolServer.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (ProcessHandle leftover : leftoverProcesses()) {
            leftover.destroyForcibly();
        }
        host.close();
        internet.close();
    }
}
