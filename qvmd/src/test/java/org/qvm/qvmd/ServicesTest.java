package org.qvm.qvmd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.qvm.guest.protocol.FrameType;

class ServicesTest {
    @Test
    void eachServiceOpensItsRequestAtTheTargetNamingTheCallerOrTheUrl() {
        assertEquals(Optional.empty(), Services.named("qubes.VMShell"));
        Services copy = Services.named("qubes.Filecopy").orElseThrow();
        assertEquals(FrameType.FILECOPY, copy.request());
        assertArrayEquals("dev".getBytes(StandardCharsets.UTF_8), copy.payload("dev", List.of()));
        assertEquals(FrameType.OPEN_FILE, Services.named("qubes.OpenInVM").orElseThrow().request());
        Services url = Services.named("qubes.OpenURL").orElseThrow();
        assertEquals(FrameType.OPEN_URL, url.request());
        assertArrayEquals("https://example.org/".getBytes(StandardCharsets.UTF_8), url.payload("dev", List.of("https://example.org/")));
    }

    @Test
    void argumentsAreCheckedBeforeAnyoneIsAsked() {
        assertEquals(Optional.empty(), Services.FILECOPY.problemWith(List.of()));
        assertTrue(Services.FILECOPY.problemWith(List.of("--source=banking")).orElseThrow().contains("takes no arguments"));
        assertTrue(Services.OPEN_IN_VM.problemWith(List.of("x")).isPresent());
        assertEquals(Optional.empty(), Services.OPEN_URL.problemWith(List.of("https://example.org/")));
        assertTrue(Services.OPEN_URL.problemWith(List.of()).orElseThrow().contains("one argument"));
        assertTrue(Services.OPEN_URL.problemWith(List.of("file:///etc/shadow")).orElseThrow().contains("not file"));
    }
}
