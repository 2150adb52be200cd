package org.qvm.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.qvm.testsupport.HostSandbox;

/**
 * The desktop of a sandbox: a real weston run by an unprivileged user (uid {@value #UID}) in a
 * runtime directory of its own, headless, or with a seat (its X11 backend on an Xvfb of its own);
 * the sandbox's host file names its socket as the compositor.
 */
final class Desktop implements AutoCloseable {
    static final int UID = 65534;
    static final String SOCKET = "wayland-1";
    final Path runtime;
    private final List<Process> processes = new ArrayList<>();

    private Desktop(Path runtime) {
        this.runtime = runtime;
    }

    /** Starts weston for {@code sandbox}; {@code withSeat}: on Xvfb with keyboard and pointer, else headless. */
    static Desktop start(HostSandbox sandbox, boolean withSeat) throws Exception {
        Path dir = sandbox.dir;
        // The desktop user must reach its runtime directory inside the test's own.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path runtime = Files.createDirectories(dir.resolve("desktop"));
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(runtime, "unix:uid", UID);
        Files.setAttribute(runtime, "unix:gid", UID);
        Desktop desktop = new Desktop(runtime);
        try {
            List<String> weston = new ArrayList<>(List.of("setpriv", "--reuid=" + UID, "--regid=" + UID, "--clear-groups", "weston",
                    "--socket=" + SOCKET, "--no-config", "--idle-time=0", "--debug"));
            ProcessBuilder builder = new ProcessBuilder().redirectErrorStream(true).redirectOutput(dir.resolve("weston.log").toFile());
            if (withSeat) {
                String display = ":" + (100 + ProcessHandle.current().pid() % 800);
                desktop.processes.add(new ProcessBuilder("Xvfb", display, "-ac", "-nolisten", "tcp", "-screen", "0", "1024x768x24")
                        .redirectErrorStream(true).redirectOutput(dir.resolve("xvfb.log").toFile()).start());
                HostSandbox.await("Xvfb", Duration.ofSeconds(30), () -> Files.exists(Path.of("/tmp/.X11-unix/X" + display.substring(1))));
                weston.add("--backend=x11-backend.so");
                builder.environment().put("DISPLAY", display);
            } else {
                weston.add("--backend=headless-backend.so");
            }
            builder.command(weston).environment().put("XDG_RUNTIME_DIR", runtime.toString());
            desktop.processes.add(builder.start());
            HostSandbox.await("weston's socket", Duration.ofSeconds(30), () -> Files.exists(desktop.socket()));
            String config = Files.readString(sandbox.config);
            String standIn = "socket = \"" + dir + "/wayland-0\"";
            Files.writeString(sandbox.config, config.contains(standIn) ? config.replace(standIn, "socket = \"" + desktop.socket() + "\"")
                    : config + "\n[wayland]\nsocket = \"" + desktop.socket() + "\"\n");
            return desktop;
        } catch (Exception | Error e) {
            desktop.close();
            throw e;
        }
    }

    Path socket() {
        return runtime.resolve(SOCKET);
    }

    /** A client of the desktop: on {@code socket} (the compositor's, or a VM's proxy's). */
    ProcessBuilder client(Path socket, String... argv) {
        ProcessBuilder builder = new ProcessBuilder(argv);
        builder.environment().put("WAYLAND_DISPLAY", socket.toString());
        builder.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        return builder;
    }

    /** The real uid a process runs as. */
    static int uidOf(ProcessHandle process) throws Exception {
        return Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status")).stream()
                .filter(line -> line.startsWith("Uid:")).map(line -> Integer.parseInt(line.split("\\s+")[2])).findFirst().orElseThrow();
    }

    /** A process to end with the desktop. */
    Process keep(Process process) {
        processes.add(process);
        return process;
    }

    @Override
    public void close() throws Exception {
        List<Process> newestFirst = new ArrayList<>(processes);
        Collections.reverse(newestFirst);
        for (Process process : newestFirst) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                assertTrue(process.waitFor(20, TimeUnit.SECONDS));
            }
        }
    }
}
