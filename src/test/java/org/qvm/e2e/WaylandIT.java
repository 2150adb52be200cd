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
 * qvm-start gives each Wayland VM a proxy of its own, in front of a real weston (headless) run by
 * an unprivileged user: the proxy runs as that user, crosvm gets only the proxy's socket, a
 * client there sees only the allowed globals, one proxy's crash leaves the other VMs alone, and
 * the proxy goes with its VM.
 */
class WaylandIT extends Scenario {
    Desktop desktop;

    @BeforeEach
    void aDesktopUsersWeston() throws Exception {
        Privileged.requireRoot("weston", "wayland-info", "setpriv");
        desktop = Desktop.start(sandbox, false);
        sandbox.vm("dev", "wayland = true\n");
        sandbox.vm("work", "wayland = true\n");
    }

    @AfterEach
    void stopWeston() throws Exception {
        if (sandbox != null) {
            sandbox.run("qvm-kill", "--all");
        }
        if (desktop != null) {
            desktop.close();
        }
    }

    /** The proxy of a VM: the process whose command line names its socket. */
    private Optional<ProcessHandle> proxyOf(String vm) {
        String socket = sandbox.runtimeDir(vm).resolve("wayland-0").toString();
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(process -> process.info().arguments().map(args -> List.of(args).contains(socket)).orElse(false)
                    && process.info().commandLine().orElse("").contains("ProxyMain")).findFirst();
        }
    }

    /** wayland-info on a socket given by its path, as crosvm connects for a guest's client. */
    private String waylandInfo(Path socket) throws Exception {
        Process process = desktop.client(socket, "wayland-info").redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return new String(output, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void eachVmHasItsOwnUnprivilegedProxyThatGoesWithIt() throws Exception {
        HostSandbox.Run dry = sandbox.run("qvm-start", "--dry-run", "dev");
        HostSandbox.assertOk(dry);
        assertTrue(dry.out().contains("org.qvm.wayland.ProxyMain dev " + sandbox.runtimeDir("dev").resolve("wayland-0")), dry.out());

        HostSandbox.assertOk(sandbox.run("qvm-start", "dev", "work"));
        ProcessHandle devProxy = proxyOf("dev").orElseThrow();
        ProcessHandle workProxy = proxyOf("work").orElseThrow();
        assertEquals(Desktop.UID, Desktop.uidOf(devProxy), "the proxy runs as the compositor's user, not root");
        String crosvm = String.join(" ", ProcessHandle.of(sandbox.crosvmPid("dev")).orElseThrow().info().arguments().orElseThrow());
        assertTrue(crosvm.contains("--wayland-sock " + sandbox.runtimeDir("dev").resolve("wayland-0")), crosvm);
        assertFalse(crosvm.contains(desktop.runtime.toString()), "crosvm never gets the compositor's socket: " + crosvm);

        String direct = waylandInfo(desktop.socket());
        String proxied = waylandInfo(sandbox.runtimeDir("dev").resolve("wayland-0"));
        assertTrue(direct.contains("weston_screenshooter") && direct.contains("weston_desktop_shell"), direct);
        assertTrue(proxied.contains("'xdg_wm_base'") && proxied.contains("'wl_shm'"), proxied);
        for (String hidden : List.of("weston_screenshooter", "weston_desktop_shell", "weston_debug_v1", "zwp_input_panel_v1")) {
            assertFalse(proxied.contains(hidden), hidden + " reached a guest: " + proxied);
        }

        // One proxy's crash is its VM's alone.
        devProxy.destroyForcibly();
        HostSandbox.await("dev's proxy to go", Duration.ofSeconds(10), () -> !HostSandbox.running(devProxy.pid()));
        assertTrue(waylandInfo(sandbox.runtimeDir("work").resolve("wayland-0")).contains("'xdg_wm_base'"), "work's proxy serves on");
        assertEquals("Running", sandbox.stateOf("work"));

        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--wait", "dev", "work"));
        assertFalse(HostSandbox.running(workProxy.pid()), "the proxy goes with its VM (a zombie until init collects it is gone)");
        sandbox.assertNothingRunning();
    }
}
