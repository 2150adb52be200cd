package org.qvm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qvm.testsupport.HostSandbox;
import org.qvm.testsupport.Privileged;

/**
 * The clipboard across VMs, with real clients (wl-clipboard's wl-copy and wl-paste) through the
 * VMs' proxies, in front of a real weston with a seat (its X11 backend, on Xvfb) run by an
 * unprivileged user: a VM's selection is its own until qvm-clipboard passes it on.
 */
class ClipboardIT extends Scenario {
    Desktop desktop;

    @BeforeEach
    void aDesktopWithASeat() throws Exception {
        Privileged.requireRoot("Xvfb", "weston", "wl-copy", "wl-paste", "setpriv");
        desktop = Desktop.start(sandbox, true);
        sandbox.vm("dev", "wayland = true\n");
        sandbox.vm("work", "wayland = true\n");
    }

    @AfterEach
    void stopTheDesktop() throws Exception {
        if (sandbox != null) {
            sandbox.run("qvm-kill", "--all");
        }
        if (desktop != null) {
            desktop.close();
        }
    }

    private Path proxyOf(String vm) {
        return sandbox.runtimeDir(vm).resolve("wayland-0");
    }

    /** wl-paste on a socket: its exit status and what it printed. */
    private HostSandbox.Run paste(Path socket) throws Exception {
        Process process = desktop.client(socket, "wl-paste", "--no-newline").redirectErrorStream(false).start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "wl-paste ended");
        return new HostSandbox.Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void aVmsSelectionStaysInItUntilTheUserPassesItOn() throws Exception {
        HostSandbox.assertOk(sandbox.run("qvm-start", "dev", "work"));
        Path copied = dir.resolve("copied.txt");
        Files.writeString(copied, "dev's secret");
        // wl-copy serves its selection until another replaces it; --foreground keeps it our child.
        desktop.keep(desktop.client(proxyOf("dev"), "wl-copy", "--foreground").redirectInput(copied.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("wl-copy.log").toFile()).start());
        HostSandbox.await("dev's selection, within dev", Duration.ofSeconds(30), () -> {
            try {
                return paste(proxyOf("dev")).out().equals("dev's secret");
            } catch (Exception e) {
                return false;
            }
        });
        HostSandbox.Run work = paste(proxyOf("work"));
        assertNotEquals(0, work.status(), "work is offered nothing: " + work);
        assertFalse(work.out().contains("secret"));
        HostSandbox.Run host = paste(desktop.socket());
        assertFalse(host.out().contains("secret"), "the host's own clients are offered nothing of dev's: " + host);

        // The user passes it on: into qvm's clipboard, then once into work.
        HostSandbox.assertOk(sandbox.run("qvm-clipboard", "copy", "dev"));
        assertEquals("12 bytes from dev\n", sandbox.run("qvm-clipboard", "show").out());
        assertEquals("dev's secret", sandbox.run("qvm-clipboard", "copy", "dev", "--stdout").out());
        HostSandbox.assertOk(sandbox.run("qvm-clipboard", "paste", "work"));
        assertEquals("empty\n", sandbox.run("qvm-clipboard", "show").out(), "a paste empties qvm's clipboard");
        assertEquals("dev's secret", paste(proxyOf("work")).out());
        HostSandbox.Run again = sandbox.run("qvm-clipboard", "paste", "work");
        assertNotEquals(0, again.status());
        assertTrue(again.err().contains("qvm's clipboard is empty"), again.err());
        assertEquals("dev's secret", paste(proxyOf("dev")).out(), "dev keeps its own");
        assertFalse(paste(desktop.socket()).out().contains("secret"), "and the host still has none of it");

        // From the host's side, explicitly.
        Path hostText = dir.resolve("host.txt");
        Files.writeString(hostText, "from the host");
        HostSandbox.assertOk(sandbox.runWithInput(hostText, "qvm-clipboard", "paste", "dev", "--stdin"));
        assertEquals("from the host", paste(proxyOf("dev")).out());
        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--wait", "dev", "work"));
    }
}
