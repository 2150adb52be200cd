package org.qvm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qvm.testsupport.HostSandbox;
import org.qvm.testsupport.Privileged;

/**
 * Windows by waypipe over the guest channel, on the stand-in hypervisor with the real agent:
 * qvm-run dev weston-simple-shm draws on a real weston (run by an unprivileged user), through
 * the guest's waypipe server, the agent's relay, qvmd, the VM's waypipe client and its Wayland
 * proxy; weston's own protocol log says what arrived.
 */
class WaypipeIT extends Scenario {
    Desktop desktop;
    Process qvmd;
    Path proto;

    @BeforeEach
    void aDesktopAndQvmd() throws Exception {
        Privileged.requireRoot("weston", "weston-debug", "weston-simple-shm", "waypipe", "setpriv");
        desktop = Desktop.start(sandbox, false);
        proto = dir.resolve("proto.log");
        desktop.keep(desktop.client(desktop.socket(), "weston-debug", "proto").redirectErrorStream(true)
                .redirectOutput(proto.toFile()).start());
        for (String vm : List.of("dev", "work")) {
            sandbox.vm(vm, "wayland = true\nwayland-transport = \"waypipe\"\n");
        }
        qvmd = sandbox.start("qvmd");
    }

    @AfterEach
    void stop() throws Exception {
        if (sandbox != null) {
            sandbox.run("qvm-kill", "--all");
        }
        if (qvmd != null) {
            qvmd.destroy();
            assertTrue(qvmd.waitFor(30, TimeUnit.SECONDS));
        }
        if (desktop != null) {
            desktop.close();
        }
    }

    private String protocol() {
        try {
            return Files.exists(proto) ? Files.readString(proto) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** Processes whose command line holds all of {@code parts}. */
    private static List<ProcessHandle> processes(String... parts) {
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(process -> {
                String line = String.join(" ", process.info().arguments().map(List::of).orElse(List.of()));
                String command = process.info().command().orElse("");
                return Stream.of(parts).allMatch(part -> line.contains(part) || command.endsWith(part));
            }).filter(process -> HostSandbox.running(process.pid())).toList();
        }
    }

    @Test
    void aWaypipeClientThatCannotStartStopsTheStartAndLeavesNothing() throws Exception {
        // A waypipe that fails at once, first on qvm-start's PATH (in a directory the desktop user may enter).
        Path broken = Files.createTempDirectory("qvm-broken-waypipe");
        try {
            Files.setPosixFilePermissions(broken, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Path waypipe = Files.writeString(broken.resolve("waypipe"), "#!/bin/sh\necho 'waypipe: broken for this test' >&2\nexit 1\n");
            Files.setPosixFilePermissions(waypipe, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            HostSandbox.Run start = sandbox.runWithEnvironment(java.util.Map.of("PATH", broken + ":" + System.getenv("PATH")),
                    "qvm-start", "dev");
            assertEquals(1, start.status(), start.err());
            assertTrue(start.err().contains("the waypipe client exited"), start.err());
        } finally {
            try (Stream<Path> files = Files.list(broken)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(broken);
        }
        // Undone: the proxy that started beside crosvm, crosvm, the network and the desktop user's directory.
        assertEquals("Halted", sandbox.stateOf("dev"));
        assertEquals(List.of(), processes("org.qvm.wayland.ProxyMain", "dev"), "no proxy left");
        String runtime = dir.resolve("run/dev").toString();
        String desktopDir = dir.resolve("run/desktop/dev").toString();
        assertEquals(List.of(), sandbox.leftoverProcesses().stream().filter(process -> HostSandbox.running(process.pid()))
                .map(process -> process.info().commandLine().orElse(""))
                .filter(line -> line.contains(runtime) || line.contains(desktopDir)).toList(), "nothing of dev left running");
        assertFalse(Files.exists(dir.resolve("run/desktop/dev")));
        assertTrue(sandbox.taps().stream().noneMatch(tap -> tap.contains("dev")), sandbox.taps().toString());
    }

    @Test
    void aGuestsAppsDrawOnTheHostTaggedThroughWaypipeOverTheGuestChannel() throws Exception {
        HostSandbox.assertOk(sandbox.run("qvm-start", "dev", "work"));
        for (String vm : List.of("dev", "work")) {
            Path windows = sandbox.runtimeDir(vm).resolve("vsock.sock_5002");
            HostSandbox.await("qvmd to take " + vm + "'s windows", Duration.ofSeconds(30), () -> Files.exists(windows));
        }
        ProcessHandle client = processes("waypipe", dir.resolve("run/desktop/dev") + "/", "client").stream().findFirst().orElseThrow();
        assertEquals(Desktop.UID, Desktop.uidOf(client), "the waypipe client, which parses what the guest sends, is not root");

        HostSandbox.assertOk(sandbox.run("qvm-run", "dev", "weston-simple-shm"));
        HostSandbox.assertOk(sandbox.run("qvm-run", "work", "weston-simple-shm"));
        HostSandbox.await("both VMs' windows, tagged", Duration.ofSeconds(60), () -> protocol().contains("set_title(\"[dev] simple-shm\")")
                && protocol().contains("set_title(\"[work] simple-shm\")"));
        String text = protocol();
        assertTrue(text.contains("set_app_id(\"qvm.dev.org.freedesktop.weston.simple-shm\")"), "dev's app id");
        assertTrue(text.contains("set_app_id(\"qvm.work.org.freedesktop.weston.simple-shm\")"), "work's app id");
        assertFalse(text.contains("set_title(\"simple-shm\")"), "nothing untagged");

        // Closing the app ends its stream: its waypipe server goes, the VM's waypipe client stays.
        List<ProcessHandle> servers = processes("waypipe", "server", "weston-simple-shm");
        assertTrue(servers.size() >= 2, "a waypipe server per app (with its helper per connection): " + servers);
        for (ProcessHandle app : processes("weston-simple-shm")) {
            if (!app.info().commandLine().orElse("").contains("waypipe")) {
                app.destroy();
            }
        }
        HostSandbox.await("the apps' streams to end", Duration.ofSeconds(30),
                () -> processes("waypipe", "server", "weston-simple-shm").isEmpty());
        assertTrue(HostSandbox.running(client.pid()), "the VM's waypipe client serves on");

        // A VM that opens streams in a loop gets 64 at once, and refusals for the rest.
        List<java.nio.channels.SocketChannel> flood = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 70; i++) {
                flood.add(java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(
                        sandbox.runtimeDir("work").resolve("vsock.sock_5002"))));
            }
            HostSandbox.await("qvmd to refuse the streams past 64", Duration.ofSeconds(30), () -> {
                try {
                    return Files.readString(sandbox.errorOf(qvmd)).contains("a window stream from work refused: 64 are open");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        } finally {
            for (java.nio.channels.SocketChannel stream : flood) {
                stream.close();
            }
        }

        // The VM goes, and its waypipe client and proxy with it.
        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--wait", "dev", "work"));
        assertFalse(HostSandbox.running(client.pid()), "the waypipe client goes with its VM");
        assertEquals(Optional.empty(), processes("ProxyMain", "dev").stream().findFirst());
        assertFalse(Files.exists(dir.resolve("run/desktop/dev")), "the desktop user's directory goes too");
    }
}
