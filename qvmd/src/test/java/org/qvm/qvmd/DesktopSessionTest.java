package org.qvm.qvmd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DesktopSessionTest {
    @TempDir
    Path runUser;

    private Optional<DesktopSession> find(Map<String, String> environment) {
        return DesktopSession.find(environment, runUser, uid -> uid == 1001 ? Optional.of("alice") : uid == 1000
                ? Optional.of("bob") : Optional.empty());
    }

    @Test
    void aCallerWithADisplayAsksThereAsItself() {
        DesktopSession session = find(Map.of("WAYLAND_DISPLAY", "wayland-1")).orElseThrow();
        assertEquals(List.of("zenity", "--question"), session.wrap(List.of("zenity", "--question")));
    }

    @Test
    void aServiceAsksInTheLowestDesktopUsersWaylandSessionAsThatUser() throws Exception {
        Files.createDirectories(runUser.resolve("0"));
        Files.createFile(runUser.resolve("0/wayland-0"));
        Files.createDirectories(runUser.resolve("1000"));
        Files.createFile(runUser.resolve("1000/bus"));
        Files.createDirectories(runUser.resolve("1001"));
        Files.createFile(runUser.resolve("1001/wayland-1.lock"));
        Files.createFile(runUser.resolve("1001/wayland-1"));
        Files.createDirectories(runUser.resolve("1002"));
        Files.createFile(runUser.resolve("1002/wayland-0"));
        DesktopSession session = find(Map.of()).orElseThrow();
        assertEquals(List.of("runuser", "-u", "alice", "--", "env", "WAYLAND_DISPLAY=wayland-1",
                "XDG_RUNTIME_DIR=" + runUser.resolve("1001"), "zenity"), session.wrap(List.of("zenity")),
                "root's session is not the desktop's, bob has none, 1002 is no known user");
    }

    @Test
    void withoutAnySessionThereIsNobodyToAsk() throws Exception {
        Files.createDirectories(runUser.resolve("1000"));
        assertTrue(find(Map.of("DISPLAY", "")).isEmpty());
    }
}
