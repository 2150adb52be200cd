package org.qvm.wayland.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.qvm.testsupport.HostSandbox;

/**
 * A real weston, headless, in a runtime directory of the test's own, with its debug protocol on
 * (weston-debug proto then logs every request it receives); and the clients a test starts on it.
 */
final class Weston implements AutoCloseable {
    static final String SOCKET = "wayland-host";
    final Path runtime;
    private final Process weston;
    private final List<Process> clients = new ArrayList<>();

    Weston(Path dir) throws Exception {
        runtime = Files.createDirectories(dir.resolve("runtime"));
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder builder = new ProcessBuilder("weston", "--backend=headless-backend.so", "--socket=" + SOCKET, "--debug",
                "--no-config", "--idle-time=0").redirectErrorStream(true).redirectOutput(dir.resolve("weston.log").toFile());
        builder.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        weston = builder.start();
        HostSandbox.await("weston's socket", Duration.ofSeconds(30), () -> Files.exists(socket()));
    }

    Path socket() {
        return runtime.resolve(SOCKET);
    }

    /** Starts a client with WAYLAND_DISPLAY set to {@code display} (a socket name in the runtime directory, or a path). */
    Process client(String display, Path output, String... argv) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        builder.environment().put("WAYLAND_DISPLAY", display);
        Process process = builder.start();
        clients.add(process);
        return process;
    }

    /** Runs a client to its end (bounded); its output. */
    String run(String display, String... argv) throws Exception {
        Path output = Files.createTempFile(runtime.getParent(), "client", ".out");
        Process process = client(display, output, argv);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " did not end");
        }
        return Files.readString(output);
    }

    @Override
    public void close() throws Exception {
        for (Process client : clients) {
            client.destroyForcibly();
            client.waitFor(10, TimeUnit.SECONDS);
        }
        weston.destroy();
        if (!weston.waitFor(10, TimeUnit.SECONDS)) {
            weston.destroyForcibly();
            weston.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
