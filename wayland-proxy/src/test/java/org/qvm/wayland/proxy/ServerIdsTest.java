package org.qvm.wayland.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.qvm.wayland.protocol.Protocols;

class ServerIdsTest {
    @Test
    void theClientGetsTheLowestFreeIdAndBothSidesAreTranslated() {
        ServerIds ids = new ServerIds();
        int compositorFirst = ServerIds.FIRST;
        int compositorSecond = ServerIds.FIRST + 1;
        // The compositor's first offer is hidden; the proxy shows one of its own; then the compositor's second is shown.
        ids.notShown(compositorFirst, Protocols.builtIn().iface("wl_data_offer").orElseThrow());
        int own = ids.allocate();
        int shown = ids.show(compositorSecond);
        assertEquals(ServerIds.FIRST, own, "libwayland takes only the next free id");
        assertEquals(ServerIds.FIRST + 1, shown);
        assertEquals(OptionalInt.of(compositorSecond), ids.compositor(shown));
        assertEquals(OptionalInt.of(shown), ids.client(compositorSecond));
        assertEquals("wl_data_offer", ids.gone(compositorFirst).name(), "events still coming for it are read and dropped");

        ids.destroyedByClient(own, Protocols.builtIn().iface("wl_data_offer").orElseThrow());
        assertEquals(ServerIds.FIRST, ids.allocate(), "a destroyed id is free at once on the client's side");
        ids.destroyedByClient(shown, Protocols.builtIn().iface("wl_data_offer").orElseThrow());
        assertEquals(OptionalInt.empty(), ids.client(compositorSecond));
        ids.madeByCompositor(compositorSecond);
        assertNull(ids.gone(compositorSecond), "the compositor may use the id again");
    }
}
