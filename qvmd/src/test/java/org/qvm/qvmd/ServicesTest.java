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
        assertEquals(FrameType.FILECOPY, copy.request(List.of()));
        assertArrayEquals("dev".getBytes(StandardCharsets.UTF_8), copy.payload("dev", List.of()));
        assertEquals(FrameType.OPEN_FILE, Services.named("qubes.OpenInVM").orElseThrow().request(List.of()));
        Services url = Services.named("qubes.OpenURL").orElseThrow();
        assertEquals(FrameType.OPEN_URL, url.request(List.of("https://example.org/")));
        assertArrayEquals("https://example.org/".getBytes(StandardCharsets.UTF_8), url.payload("dev", List.of("https://example.org/")));

        // A new disposable: a file (the caller's name, for QubesIncoming/dev) or a URL, either waited for.
        Services disposable = Services.named("qubes.OpenInDVM").orElseThrow();
        assertTrue(disposable.opensDisposable());
        assertEquals(FrameType.OPEN_FILE_AND_WAIT, disposable.request(List.of()));
        assertArrayEquals("dev".getBytes(StandardCharsets.UTF_8), disposable.payload("dev", List.of()));
        assertEquals(FrameType.OPEN_URL_AND_WAIT, disposable.request(List.of("https://example.org/")));
        assertArrayEquals("https://example.org/".getBytes(StandardCharsets.UTF_8),
                disposable.payload("dev", List.of("https://example.org/")));
        assertTrue(Services.OPEN_IN_VM.problemWith(List.of()).isEmpty() && !Services.OPEN_IN_VM.opensDisposable());
    }

    @Test
    void argumentsAreCheckedBeforeAnyoneIsAsked() {
        assertEquals(Optional.empty(), Services.FILECOPY.problemWith(List.of()));
        assertTrue(Services.FILECOPY.problemWith(List.of("--source=banking")).orElseThrow().contains("takes no arguments"));
        assertTrue(Services.OPEN_IN_VM.problemWith(List.of("x")).isPresent());
        assertEquals(Optional.empty(), Services.OPEN_URL.problemWith(List.of("https://example.org/")));
        assertTrue(Services.OPEN_URL.problemWith(List.of()).orElseThrow().contains("one argument"));
        assertTrue(Services.OPEN_URL.problemWith(List.of("file:///etc/shadow")).orElseThrow().contains("not file"));
        assertEquals(Optional.empty(), Services.OPEN_IN_DVM.problemWith(List.of()));
        assertEquals(Optional.empty(), Services.OPEN_IN_DVM.problemWith(List.of("https://example.org/")));
        assertTrue(Services.OPEN_IN_DVM.problemWith(List.of("file:///etc/shadow")).orElseThrow().contains("not file"));
        assertTrue(Services.OPEN_IN_DVM.problemWith(List.of("a", "b")).orElseThrow().contains("or one, the URL"));
    }
}
