package org.qvm.wayland.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.HostSandbox;
import org.qvm.testsupport.Privileged;
import org.qvm.wayland.protocol.Protocols;
import org.qvm.wayland.wire.UnixListener;

/**
 * The proxy between real clients and a real weston (headless): what a guest's clients see of the
 * compositor, that their windows arrive tagged (weston's own protocol log says so), and that a
 * hostile client is cut off alone.
 */
class WaylandProxyWestonTest {
    private static final Pattern GLOBAL = Pattern.compile("interface: '(\\w+)',\\s+version:\\s+(\\d+), name:\\s+(\\d+)");

    @TempDir
    Path dir;
    Weston weston;
    final List<WaylandProxy> proxies = new ArrayList<>();
    final List<String> log = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void aHeadlessWeston() throws Exception {
        Privileged.requireTools("weston", "wayland-info", "weston-simple-shm", "weston-terminal", "weston-debug");
        weston = new Weston(dir);
    }

    @AfterEach
    void stop() throws Exception {
        proxies.forEach(WaylandProxy::close);
        if (weston != null) {
            weston.close();
        }
    }

    /** A proxy for {@code vm} on the socket {@code wayland-VM} in weston's runtime directory. */
    private String proxy(String vm) throws Exception {
        String name = "wayland-" + vm;
        WaylandProxy proxy = new WaylandProxy(vm, UnixListener.listen(weston.runtime.resolve(name)), weston.socket(),
                Protocols.builtIn(), line -> log.add(vm + ": " + line));
        proxies.add(proxy);
        Thread thread = new Thread(proxy::serve, "proxy-" + vm);
        thread.setDaemon(true);
        thread.start();
        return name;
    }

    private static Map<String, Integer> globals(String waylandInfo) {
        Map<String, Integer> globals = new TreeMap<>();
        Matcher matcher = GLOBAL.matcher(waylandInfo);
        while (matcher.find()) {
            globals.put(matcher.group(1), Integer.parseInt(matcher.group(2)));
        }
        return globals;
    }

    private static Map<String, Integer> names(String waylandInfo) {
        Map<String, Integer> names = new TreeMap<>();
        Matcher matcher = GLOBAL.matcher(waylandInfo);
        while (matcher.find()) {
            names.put(matcher.group(1), Integer.parseInt(matcher.group(3)));
        }
        return names;
    }

    @Test
    void aGuestSeesOnlyTheAllowedGlobalsAtMostAtTheProxysVersions() throws Exception {
        Map<String, Integer> direct = globals(weston.run(Weston.SOCKET, "wayland-info"));
        for (String privileged : List.of("weston_debug_v1", "weston_screenshooter", "weston_desktop_shell", "zwp_input_panel_v1")) {
            assertTrue(direct.containsKey(privileged), "weston offers " + privileged + " to its own clients: " + direct);
        }
        Map<String, Integer> proxied = globals(weston.run(proxy("dev"), "wayland-info"));
        Protocols protocols = Protocols.builtIn();
        Map<String, Integer> expected = new TreeMap<>();
        direct.forEach((name, version) -> protocols.globalCap(name).ifPresent(cap -> expected.put(name, Math.min(cap, version))));
        assertEquals(expected, proxied);
        assertTrue(proxied.containsKey("xdg_wm_base") && proxied.containsKey("wl_shm") && proxied.containsKey("wl_compositor"), proxied.toString());
    }

    /** weston-debug proto's log, as it is now. */
    private String protocolLog(Path file) throws Exception {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            count++;
        }
        return count;
    }

    @Test
    void realClientsRunThroughItAndTheirWindowsArriveTaggedWithTheirVm() throws Exception {
        Path proto = dir.resolve("proto.log");
        weston.client(Weston.SOCKET, proto, "weston-debug", "proto");
        HostSandbox.await("weston-debug to subscribe", Duration.ofSeconds(30), () -> {
            try {
                return weston.run(Weston.SOCKET, "wayland-info").length() > 0 && protocolLog(proto).contains("wl_registry");
            } catch (Exception e) {
                return false;
            }
        });
        String dev = proxy("dev");
        String work = proxy("work");
        Process shm = weston.client(dev, dir.resolve("shm.out"), "weston-simple-shm");
        Process terminal = weston.client(work, dir.resolve("terminal.out"), "weston-terminal");
        HostSandbox.await("both windows, and frames from simple-shm", Duration.ofSeconds(60), () -> {
            try {
                String text = protocolLog(proto);
                return text.contains("set_title(\"[dev] simple-shm\")") && text.contains("set_title(\"[work] Wayland Terminal\")")
                        && count(text, "commit()") > 50;
            } catch (Exception e) {
                return false;
            }
        });
        String text = protocolLog(proto);
        assertTrue(text.contains("set_app_id(\"qvm.dev.org.freedesktop.weston.simple-shm\")"), "the app id is tagged");
        assertTrue(text.contains("set_app_id(\"qvm.work.org.freedesktop.weston.wayland-terminal\")"));
        assertFalse(text.contains("set_title(\"simple-shm\")"), "no untagged title reached the compositor");
        assertFalse(text.contains("set_app_id(\"org.freedesktop"), "no untagged app id reached the compositor");
        assertTrue(shm.isAlive() && terminal.isAlive(), "both clients run on");
    }

    @Test
    void aHostileClientIsCutOffAloneAndNothingOfItReachesTheCompositor() throws Exception {
        Map<String, Integer> direct = names(weston.run(Weston.SOCKET, "wayland-info"));
        Path proto = dir.resolve("proto.log");
        weston.client(Weston.SOCKET, proto, "weston-debug", "proto");
        String dev = proxy("dev");
        Path socket = weston.runtime.resolve(dev);
        Process shm = weston.client(dev, dir.resolve("shm.out"), "weston-simple-shm");
        HostSandbox.await("simple-shm's frames", Duration.ofSeconds(60), () -> {
            try {
                return count(protocolLog(proto), "commit()") > 20;
            } catch (Exception e) {
                return false;
            }
        });

        // A well-behaved raw client gets its sync answered.
        try (RawClient good = new RawClient(socket)) {
            good.send(RawClient.message(1, 1, 2));   // wl_display.get_registry(new id 2)
            good.send(RawClient.message(1, 0, 3));   // wl_display.sync(new id 3)
            assertTrue(good.received(Duration.ofSeconds(10), bytes -> contains(bytes, 3, 0)), "wl_callback@3.done arrives");
        }

        List<Attack> attacks = List.of(
                new Attack(RawClient.message(1, 1, 5).putInt(4, 7 << 16 | 1), "a message of 7 bytes"),
                new Attack(RawClient.message(57, 0), "unknown object 57"),
                new Attack(RawClient.message(1, 9, 5), "wl_display has no request 9"),
                new Attack(RawClient.message(2, 0, 1, "wl_compositor"), "shorter than its arguments"),
                new Attack(bind(direct.get("weston_debug_v1"), "weston_debug_v1", 1, 4), "which it was not offered"),
                new Attack(bind(direct.get("wl_compositor"), "weston_screenshooter", 1, 4), "as weston_screenshooter, which is a wl_compositor"),
                new Attack(bind(direct.get("wl_shm"), "wl_shm", 99, 4), "at version 99"));
        for (Attack attack : attacks) {
            try (RawClient hostile = new RawClient(socket)) {
                hostile.send(RawClient.message(1, 1, 2));   // wl_display.get_registry(new id 2)
                hostile.send(RawClient.message(1, 0, 3));   // wl_display.sync(new id 3): the globals come before its done
                assertTrue(hostile.received(Duration.ofSeconds(10), bytes -> contains(bytes, 3, 0)), "sync answered; log: " + log);
                hostile.send(attack.message());
                assertTrue(hostile.closedWithin(Duration.ofSeconds(10)), "cut off: " + attack.reason());
            }
            HostSandbox.await("the reason in the log: " + attack.reason(), Duration.ofSeconds(10),
                    () -> log.stream().anyMatch(line -> line.contains(attack.reason())));
        }

        // A file descriptor fewer than the message's signature says.
        try (RawClient liar = new RawClient(socket)) {
            liar.send(RawClient.message(1, 1, 2));
            liar.send(RawClient.message(1, 0, 3));
            assertTrue(liar.received(Duration.ofSeconds(10), bytes -> contains(bytes, 3, 0)));
            liar.send(bind(direct.get("wl_shm"), "wl_shm", 1, 4));
            liar.send(RawClient.message(4, 0, 5, 4096));   // wl_shm.create_pool(new id 5, fd missing, size 4096)
            assertTrue(liar.closedWithin(Duration.ofSeconds(10)));
        }
        HostSandbox.await("the fd lie in the log", Duration.ofSeconds(10),
                () -> log.stream().anyMatch(line -> line.contains("create_pool needs 1 file descriptor(s), 0 came")));

        String text = protocolLog(proto);
        List<String> binds = text.lines().filter(line -> line.contains(" rq ") && line.contains(".bind(")).toList();
        assertFalse(binds.stream().anyMatch(line -> line.contains("weston_screenshooter") || line.contains("\"wl_shm\", 99")),
                "no attack reached the compositor: " + binds);
        assertTrue(binds.stream().anyMatch(line -> line.contains("\"wl_shm\", 1")), "while a bind within the rules did: " + binds);
        int before = count(text, "commit()");
        HostSandbox.await("simple-shm to go on drawing", Duration.ofSeconds(30), () -> {
            try {
                return count(protocolLog(proto), "commit()") > before + 20;
            } catch (Exception e) {
                return false;
            }
        });
        assertTrue(shm.isAlive(), "the well-behaved client on the same proxy runs on");
    }

    private record Attack(ByteBuffer message, String reason) {
    }

    private static ByteBuffer bind(int name, String iface, int version, int id) {
        return RawClient.message(2, 0, name, iface, version, id);
    }

    /** Whether the bytes hold a message with this object id and opcode. */
    private static boolean contains(ByteBuffer bytes, int object, int opcode) {
        int at = 0;
        while (at + 8 <= bytes.limit()) {
            int size = bytes.getInt(at + 4) >>> 16;
            if (bytes.getInt(at) == object && (bytes.getInt(at + 4) & 0xffff) == opcode) {
                return true;
            }
            if (size < 8) {
                return false;
            }
            at += size;
        }
        return false;
    }
}
