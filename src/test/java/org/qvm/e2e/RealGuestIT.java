package org.qvm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.templates.TemplateManifest;
import org.qvm.testsupport.Digests;
import org.qvm.testsupport.HostSandbox;
import org.qvm.testsupport.Privileged;
import org.qvm.testsupport.ShellWords;

/**
 * Real guests: the shared template's Debian kernel and root image booted by qemu under TCG, on a
 * private host (network namespace with an "internet" behind NAT, real taps and nftables, the file
 * pool, the agent over TCP through each VM's tap), driven only through the real bin/ tools.
 */
class RealGuestIT {
    @TempDir
    Path dir;
    HostSandbox sandbox;
    Process webServer;
    Process qvmd;
    Desktop desktop;
    Path proto;

    @BeforeEach
    void setUp() throws Exception {
        Privileged.requireRoot("mmdebstrap", "mksquashfs", "qemu-system-x86_64", "ip", "nft", "python3", "weston", "waypipe", "setpriv");
        Path templates = SharedTemplate.dataDir().resolve("templates");
        sandbox = new HostSandbox(dir);
        Files.createDirectories(dir.resolve("lib/templates"));
        Files.createSymbolicLink(dir.resolve("lib/templates").resolve(SharedTemplate.NAME), templates.resolve(SharedTemplate.NAME));
        Files.writeString(sandbox.config, """
                state-dir = "%1$s/run"
                data-dir = "%1$s/lib"
                hypervisor = "qemu"
                [qemu]
                accel = "tcg"
                [defaults]
                template = "%2$s"
                memory = 768
                cpus = 1
                private-size = "64M"
                [storage]
                pool = "file"
                dir = "%1$s/volumes"
                [network]
                uplink = "up0"
                pool = "10.0.0.0/24"
                [guest]
                transport = "tcp"
                start-timeout = 300
                answer-timeout = 60
                [policy]
                file = "%1$s/policy.toml"
                """.formatted(dir, SharedTemplate.NAME));
        Files.createDirectories(dir.resolve("outbox"));
        Files.writeString(dir.resolve("outbox/for-dev.txt"), "read me, do not write me\n");
        sandbox.vm("dev", """
                wayland = true
                wayland-transport = "waypipe"
                [network]
                [[share]]
                path = "%s/outbox"
                tag = "outbox"
                read-only = true
                """.formatted(dir));
        sandbox.vm("web", "[network]\n");
        sandbox.vm("dvm", "disposable-template = true\n[network]\n");
        // The host's desktop: a real weston, whose protocol log says what a guest's windows sent.
        desktop = Desktop.start(sandbox, false);
        proto = dir.resolve("proto.log");
        desktop.keep(desktop.client(desktop.socket(), "weston-debug", "proto").redirectErrorStream(true)
                .redirectOutput(proto.toFile()).start());
        // The internet: a web server in the other namespace, and a way back to the VMs' addresses
        // (as a router on the uplink's side would have), so that only the host's rules keep it out.
        Files.writeString(Files.createDirectories(dir.resolve("www")).resolve("token"), "hello from the internet\n");
        sandbox.internet.run("ip", "route", "add", "10.0.0.0/24", "via", "192.0.2.2");
        // (Its command line does not name the sandbox's directory: it is not one of the VMs' processes.)
        webServer = new ProcessBuilder("ip", "netns", "exec", sandbox.internet.name(), "python3", "-m", "http.server", "8080",
                "--bind", "192.0.2.1").directory(dir.resolve("www").toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("www.log").toFile()).start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (webServer != null) {
            webServer.destroy();
            webServer.waitFor(10, TimeUnit.SECONDS);
        }
        if (qvmd != null) {
            qvmd.destroy();
            qvmd.waitFor(30, TimeUnit.SECONDS);
        }
        if (sandbox != null) {
            sandbox.run("qvm-kill", "--all");
        }
        if (desktop != null) {
            desktop.close();
        }
        HostSandbox.closeLeavingNothing(sandbox);
    }

    /** {@code qvm-run -p VM LINE}: must succeed; its output. */
    private String inGuest(String vm, String line) throws Exception {
        HostSandbox.Run run = sandbox.run("qvm-run", "-p", vm, line);
        assertEquals(0, run.status(), vm + ": " + line + "\nstdout: " + run.out() + "\nstderr: " + run.err());
        return run.out();
    }

    private void inGuestAsRoot(String vm, String line) throws Exception {
        HostSandbox.Run run = sandbox.run("qvm-run", "-p", "--user", "root", vm, line);
        assertEquals(0, run.status(), vm + ": " + line + "\nstderr: " + run.err());
    }

    /** The exit status of {@code qvm-run -p VM LINE}. */
    private int statusInGuest(String vm, String line) throws Exception {
        return sandbox.run("qvm-run", "-p", vm, line).status();
    }

    private static String tcpConnect(String address, int port) {
        return "timeout 5 bash -c 'exec 3<>/dev/tcp/" + address + "/" + port + "'";
    }

    @Test
    void twoGuestsBootWorkAreIsolatedKeepTheirHomeAndPowerOffCleanly() throws Exception {
        HostSandbox.Run start = sandbox.run("qvm-start", "dev", "web");
        HostSandbox.assertOk(start);
        Map<String, List<String>> rows = sandbox.ls("state,ip,gateway");
        assertEquals("Running", rows.get("dev").get(0));
        String devIp = rows.get("dev").get(1);
        String webIp = rows.get("web").get(1);

        // The agent answers as user, on the template's own kernel.
        TemplateManifest manifest = TemplateManifest.read(SharedTemplate.dataDir().resolve("templates")
                .resolve(SharedTemplate.NAME).resolve("manifest.json"));
        String kernel = manifest.packages().stream().map(TemplateManifest.Package::name)
                .filter(name -> name.matches("linux-image-\\d.*")).findFirst().orElseThrow().substring("linux-image-".length());
        assertEquals(kernel + "\n", inGuest("dev", "uname -r"));
        assertEquals("user\n", inGuest("dev", "id -un"));
        assertEquals("dev\n", inGuest("dev", "hostname"), "the name from qvm.name=");

        // Its address came from ip=, and NAT takes it to the internet (the server sees the host's uplink).
        assertTrue(inGuest("dev", "ip -4 -o addr show").contains("inet " + devIp + "/31"), "address from ip=");
        assertEquals("hello from the internet\n", inGuest("dev", "bash -c \"exec 3<>/dev/tcp/192.0.2.1/8080; "
                + "printf 'GET /token HTTP/1.0\\r\\n\\r\\n' >&3; sed '1,/^\\r$/d' <&3\""));
        assertTrue(Files.readString(dir.resolve("www.log")).contains("192.0.2.2 - - "), "NAT: the server saw the uplink");

        // The two VMs cannot reach each other, by TCP (the agent's port) or ping, either way...
        assertNotEquals(0, statusInGuest("dev", tcpConnect(webIp, 5000)), "dev reached web's agent port");
        assertNotEquals(0, statusInGuest("web", tcpConnect(devIp, 5000)), "web reached dev's agent port");
        assertNotEquals(0, statusInGuest("dev", "ping -c 1 -W 2 " + webIp), "dev pinged web");
        assertNotEquals(0, statusInGuest("web", "ping -c 1 -W 2 " + devIp), "web pinged dev");
        assertEquals(0, statusInGuest("web", "ping -c 1 -W 5 192.0.2.1"), "while the internet answers web's ping");
        // ... and the uplink's side cannot reach an agent either.
        assertFalse(sandbox.internet.attempt("timeout", "5", "bash", "-c", "exec 3<>/dev/tcp/" + devIp + "/5000").succeeded(),
                "the internet reached dev's agent port");

        // A file copied in arrives whole.
        Path file = dir.resolve("report.bin");
        byte[] bytes = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(12).nextBytes(bytes);
        Files.write(file, bytes);
        HostSandbox.assertOk(sandbox.run("qvm-copy-to-vm", "dev", file.toString()));
        assertEquals(Digests.sha256(file) + "  QubesIncoming/host/report.bin\n",
                inGuest("dev", "cd ~ && sha256sum QubesIncoming/host/report.bin"));

        // The agent runs with the template's start-up cache: its own AppCDS archive mapped (not the
        // JDK's), and JNA, where it is loaded, from the stub beside the jar (never an unpacked copy).
        HostSandbox.Run maps = sandbox.run("qvm-run", "-p", "--user", "root", "dev",
                "m=/proc/$(systemctl show -p MainPID --value qvm-agent.service)/maps; grep -o '/[^ ]*[.]jsa$' $m | sort -u; "
                        + "echo other JNA: $(grep -i 'jna' $m | grep -cv ' /usr/local/share/qvm/libjnidispatch.so$')");
        HostSandbox.assertOk(maps);
        assertEquals("/usr/local/share/qvm/qvm-agent.jsa\nother JNA: 0\n", maps.out());

        // Guests' calls (qvmd, over TCP to each VM's own gateway): dev may send web files and have it
        // open them, web may not send dev any, and neither reaches qvmd on another VM's gateway.
        Files.writeString(dir.resolve("policy.toml"), """
                [[rule]]
                service = "*"
                source = "dev"
                target = "web"
                action = "allow"
                """);
        qvmd = sandbox.start("qvmd");
        String devGateway = rows.get("dev").get(2);
        String webGateway = rows.get("web").get(2);
        HostSandbox.await("qvmd to listen on both gateways", Duration.ofSeconds(60), () -> {
            String listening = sandbox.host.attempt("ss", "-Hltn", "sport = :5001").stdout();
            return listening.contains(devGateway + ":5001") && listening.contains(webGateway + ":5001");
        });
        inGuest("dev", "echo made in dev > ~/note.txt && qvm-copy-to-vm web ~/note.txt");
        assertEquals("made in dev\n", inGuest("web", "cat ~/QubesIncoming/dev/note.txt"));
        // qvm-open-in-vm: the file lands in a directory of its own and the template's xdg-open takes it.
        inGuest("dev", "qvm-open-in-vm web ~/note.txt && qvm-open-in-vm web https://example.org/");
        assertEquals("made in dev\n", inGuest("web", "cat ~/QubesIncoming/dev/opened-*/note.txt"));
        HostSandbox.Run refused = sandbox.run("qvm-run", "-p", "web", "echo x > ~/back.txt && qvm-copy-to-vm dev ~/back.txt");
        assertEquals(1, refused.status(), refused.err());
        assertTrue(refused.err().contains("refused"), refused.err());
        assertNotEquals(0, statusInGuest("dev", "test -e ~/QubesIncoming/web"));
        assertEquals(0, statusInGuest("web", tcpConnect(webGateway, 5001)), "web reaches qvmd on its own gateway");
        assertNotEquals(0, statusInGuest("web", tcpConnect(devGateway, 5001)), "web reached qvmd on dev's gateway");

        // Windows: an app of the real guest drawn on the host's weston, tagged, by waypipe over its TCP channel.
        HostSandbox.await("qvmd to take dev's windows", Duration.ofSeconds(60),
                () -> sandbox.host.attempt("ss", "-Hltn", "sport = :5002").stdout().contains(devGateway + ":5002"));
        HostSandbox.assertOk(sandbox.run("qvm-run", "dev", "weston-simple-shm"));
        HostSandbox.await("dev's window on the host", Duration.ofSeconds(180), () -> {
            try {
                return Files.readString(proto).contains("set_title(\"[dev] simple-shm\")");
            } catch (IOException e) {
                return false;
            }
        });
        assertTrue(Files.readString(proto).contains("set_app_id(\"qvm.dev.org.freedesktop.weston.simple-shm\")"));

        // A read-only share is readable, not writable.
        assertEquals("read me, do not write me\n", inGuest("dev", "cat ~/outbox/for-dev.txt"));
        assertNotEquals(0, statusInGuest("dev", "echo no >> ~/outbox/for-dev.txt"));
        assertNotEquals(0, statusInGuest("dev", "touch ~/outbox/new"));
        assertEquals("read me, do not write me\n", Files.readString(dir.resolve("outbox/for-dev.txt")));

        // Pause and resume (QMP stop and cont): a paused guest does not even answer a ping.
        assertTrue(sandbox.host.attempt("ping", "-c", "1", "-W", "5", webIp).succeeded(), "the host pings web");
        HostSandbox.assertOk(sandbox.run("qvm-pause", "web"));
        assertEquals("Paused", sandbox.stateOf("web"));
        assertFalse(sandbox.host.attempt("ping", "-c", "1", "-W", "2", webIp).succeeded(), "a paused VM answered");
        HostSandbox.assertOk(sandbox.run("qvm-unpause", "web"));
        assertEquals("Running", sandbox.stateOf("web"));
        assertTrue(sandbox.host.attempt("ping", "-c", "1", "-W", "5", webIp).succeeded(), "web runs again");

        // /home is the private volume; the root is a throw-away overlay.
        inGuestAsRoot("dev", "echo kept > /home/user/notes.txt && chown user /home/user/notes.txt && echo lost > /etc/scratch");

        // qvm-shutdown --wait: a clean power-off, as the consoles say, and nothing left behind. dev
        // is asked by its agent; web's agent is stopped first, so web gets the ACPI power button.
        // (The command may not report back: stopping the agent ends the session it runs in.)
        sandbox.run("qvm-run", "-p", "--user", "root", "web", "systemctl --no-block stop qvm-agent.service");
        HostSandbox.await("web's agent to stop", Duration.ofSeconds(60), () -> {
            try {
                return statusInGuest("web", "true") != 0;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<FileChannel> consoles = List.of(FileChannel.open(sandbox.runtimeDir("dev").resolve("console.log")),
                FileChannel.open(sandbox.runtimeDir("web").resolve("console.log")));
        HostSandbox.Run shutdown = sandbox.run("qvm-shutdown", "-v", "--wait", "dev", "web");
        HostSandbox.assertOk(shutdown);
        assertTrue(shutdown.err().contains("web: the agent did not take the power-off"), shutdown.err());
        for (FileChannel console : consoles) {
            String text = readAll(console);
            assertTrue(text.contains("Powering off") && text.contains("reboot: Power down"),
                    "a clean power-off on the console:\n" + tail(text));
        }
        assertEquals("Halted", sandbox.stateOf("dev"));
        sandbox.assertNothingRunning();
        assertEquals(List.of(), mountsUnder(dir), "no mount left");

        // The host grows the volume while the VM is halted; the guest grows its filesystem.
        HostSandbox.assertOk(sandbox.run("qvm-volume", "resize", "dev:private", "160M"));
        HostSandbox.assertOk(sandbox.run("qvm-start", "dev"));
        assertEquals("kept\n", inGuest("dev", "cat ~/notes.txt"), "the home survives");
        assertNotEquals(0, statusInGuest("dev", "test -e /etc/scratch"), "what was written to /etc does not");
        long homeMib = Long.parseLong(inGuest("dev", "df -m --output=size /home | tail -n 1").strip());
        assertTrue(homeMib > 120, "/home grew with its volume: " + homeMib + " MiB");
        HostSandbox.assertOk(sandbox.run("qvm-shutdown", "--wait", "dev"));

        // A disposable of the same template, on qemu: its own name, an empty home, and nothing left after.
        HostSandbox.Run disposable = sandbox.run("qvm-run", "--dispvm=dvm", "-p", "cat /proc/cmdline; ls ~");
        assertEquals(0, disposable.status(), disposable.err());
        assertTrue(disposable.out().contains("qvm.name=disp1 "), disposable.out());
        assertEquals(List.of(), disposable.out().lines().skip(1).toList(), "an empty home: " + disposable.out());
        assertFalse(sandbox.ls("state").containsKey("disp1"), "the disposable is gone");
        try (java.util.stream.Stream<Path> volumes = Files.list(dir.resolve("volumes"))) {
            assertTrue(volumes.noneMatch(volume -> volume.getFileName().toString().startsWith("disp")), "and its volume");
        }

        // A file opened in a disposable: the template's xdg-open runs on it (under waypipe), qvm-open-in-dvm
        // waits for it and returns its status, not a failure of ours, and then nothing of the disposable is left.
        Path attachment = Files.writeString(dir.resolve("attachment.txt"), "open me in a disposable\n");
        HostSandbox.Run opened = sandbox.run("qvm-open-in-dvm", "--dispvm=dvm", attachment.toString());
        assertTrue(opened.err().contains("disp1: a disposable of dvm"), opened.err());
        assertTrue(opened.status() < 125, "the viewer ran and ended: " + opened.status() + " " + opened.err());
        assertFalse(sandbox.ls("state").containsKey("disp1"), "the disposable is gone");
    }

    @Test
    void aCrosvmVmOfTheTemplateGetsTheImagesAndOnlyFlagsCrosvmTakes() throws Exception {
        sandbox.vm("gui", "hypervisor = \"crosvm\"\nwayland = false\n[network]\n");
        HostSandbox.Run dry = sandbox.run("qvm-start", "--dry-run", "gui");
        HostSandbox.assertOk(dry);
        String crosvmLine = dry.out().lines().filter(line -> line.startsWith("crosvm ")).findFirst().orElseThrow();
        List<String> argv = ShellWords.split(crosvmLine);
        Path template = dir.resolve("lib/templates").resolve(SharedTemplate.NAME);
        assertEquals(template.resolve("vmlinuz").toString(), argv.get(argv.size() - 1));
        assertTrue(argv.contains("path=" + template.resolve("root.img") + ",ro,root,id=root"), crosvmLine);
        assertEquals(template.resolve("initrd.img").toString(), argv.get(argv.indexOf("--initrd") + 1));
        assertTrue(argv.get(argv.indexOf("--params") + 1).startsWith("qvm.name=gui qvm.agent=tcp:5000 qvm.rpc=tcp:5001 ip="), crosvmLine);
        assertEquals(List.of(), org.qvm.crosvm.CrosvmFlags.load().problems(argv.subList(3, argv.size())));
        assertFalse(Files.exists(sandbox.runtimeDir("gui")), "a dry run changes nothing");
    }

    private static String readAll(FileChannel channel) throws IOException {
        try (channel) {
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(channel.size(), 8 << 20));
            channel.read(buffer, 0);
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        }
    }

    private static String tail(String text) {
        return text.substring(Math.max(0, text.length() - 3000));
    }

    private static List<String> mountsUnder(Path dir) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(line -> line.contains(dir.toString())).toList();
    }
}
