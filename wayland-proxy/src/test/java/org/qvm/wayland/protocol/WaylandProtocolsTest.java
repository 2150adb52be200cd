package org.qvm.wayland.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.qvm.testsupport.Examples;
import org.qvm.testsupport.Privileged;

/** The proxy's message signatures against the protocol XML Debian ships, and what the allow-list lets through. */
class WaylandProtocolsTest {
    @Test
    void theDescriptionsAreWhatTheXmlSaysForTheAllowedGlobals() throws Exception {
        Privileged.requireFiles(GenerateProtocols.xml("wayland.xml"), GenerateProtocols.xml("stable/xdg-shell/xdg-shell.xml"));
        Path module = Examples.repositoryRoot().resolve("wayland-proxy");
        String expected = GenerateProtocols.generate(GenerateProtocols.allowList(module.resolve("allowed-globals.txt")))
                .render(GenerateProtocols.HEADER);
        String shipped = Files.readString(module.resolve("src/main/resources/org/qvm/wayland/protocol").resolve(Protocols.RESOURCE));
        assertEquals(expected, shipped, "stale: run `java -cp wayland-proxy/target/classes:wayland-proxy/target/test-classes "
                + "org.qvm.wayland.protocol.GenerateProtocols wayland-proxy`");
    }

    @Test
    void theShippedDescriptionsReadBackAsTheyAreWritten() throws Exception {
        Protocols protocols = Protocols.builtIn();
        String text = protocols.render(GenerateProtocols.HEADER);
        assertEquals(text, Protocols.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))).render(GenerateProtocols.HEADER));
    }

    @Test
    void theAllowListKeepsThePrivilegedGlobalsOut() {
        Protocols protocols = Protocols.builtIn();
        for (String hidden : new String[] {"weston_debug_v1", "weston_screenshooter", "weston_desktop_shell", "zwp_input_panel_v1",
                "zwlr_screencopy_manager_v1", "zwlr_data_control_manager_v1", "zwlr_layer_shell_v1", "zwp_virtual_keyboard_manager_v1",
                "zwp_primary_selection_device_manager_v1", "xdg_activation_v1", "wl_shell", "wl_drm"}) {
            assertEquals(Optional.empty(), protocols.globalCap(hidden), hidden);
        }
        assertEquals(Optional.of(5), protocols.globalCap("wl_compositor"));
        assertEquals(Optional.of(3), protocols.globalCap("zwp_linux_dmabuf_v1"));
        Interface keyboard = protocols.iface("wl_keyboard").orElseThrow();
        assertEquals(1, keyboard.events().get(0).fdCount(), "wl_keyboard.keymap carries the keymap's fd");
        assertTrue(protocols.iface("xdg_toplevel").isPresent(), "made by xdg_surface.get_toplevel");
        assertFalse(protocols.iface("zwp_linux_dmabuf_feedback_v1").isPresent(), "version 4 only");
        assertEquals("N", protocols.iface("wl_registry").orElseThrow().requests().get(0).args().get(1).render(), "bind's untyped new_id");
    }
}
