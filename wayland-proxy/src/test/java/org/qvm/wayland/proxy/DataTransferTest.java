package org.qvm.wayland.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.wayland.protocol.Protocols;
import org.qvm.wayland.wire.Pipes;
import org.qvm.wayland.wire.UnixListener;
import org.qvm.wayland.wire.UnixSocket;

/**
 * The clipboard and drag rules message by message: a real proxy between a scripted client and a
 * scripted compositor (each end says exactly what the test makes it say, and the test sees
 * exactly what passed).
 */
class DataTransferTest {
    static final int SERVER = 0xff000000;
    // wl_display, wl_registry, wl_callback
    static final int SYNC = 0, GET_REGISTRY = 1, DELETE_ID = 1, BIND = 0, GLOBAL = 0, DONE = 0;
    // wl_compositor, wl_data_device_manager
    static final int CREATE_SURFACE = 0, CREATE_DATA_SOURCE = 0, GET_DATA_DEVICE = 1;
    // wl_data_device
    static final int START_DRAG = 0, SET_SELECTION = 1, DATA_OFFER = 0, ENTER = 1, SELECTION = 5;
    // wl_data_offer, wl_data_source
    static final int OFFER = 0, RECEIVE = 1, DESTROY = 2, SOURCE_OFFER = 0, SEND = 1, CANCELLED = 2;
    static final int SURFACE = 7, DEVICE = 8, SOURCE = 9;

    @TempDir
    Path dir;
    WaylandProxy proxy;
    Peer client;
    Peer compositor;
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    int nextSync = 20;

    @BeforeEach
    void aClientThroughTheProxyToAScriptedCompositor() throws Exception {
        UnixListener compositorSocket = UnixListener.listen(dir.resolve("compositor"));
        proxy = new WaylandProxy("dev", UnixListener.listen(dir.resolve("proxy")), dir.resolve("compositor"), Protocols.builtIn(),
                log::add);
        Thread serving = new Thread(proxy::serve);
        serving.setDaemon(true);
        serving.start();
        client = new Peer(UnixSocket.connect(dir.resolve("proxy")));
        compositor = new Peer(compositorSocket.accept());
        compositorSocket.close();

        client.send(message(1, GET_REGISTRY, 2));
        compositor.await("get_registry", m -> m.object() == 1 && m.opcode() == GET_REGISTRY);
        compositor.send(message(2, GLOBAL, 1, "wl_compositor", 4));
        compositor.send(message(2, GLOBAL, 2, "wl_data_device_manager", 3));
        compositor.send(message(2, GLOBAL, 3, "wl_seat", 7));
        roundTrip();
        client.send(message(2, BIND, 1, "wl_compositor", 4, 4));
        client.send(message(2, BIND, 2, "wl_data_device_manager", 3, 5));
        client.send(message(2, BIND, 3, "wl_seat", 7, 6));
        client.send(message(4, CREATE_SURFACE, SURFACE));
        client.send(message(5, GET_DATA_DEVICE, DEVICE, 6));
        client.send(message(5, CREATE_DATA_SOURCE, SOURCE));
        client.send(message(SOURCE, SOURCE_OFFER, "text/plain"));
        roundTrip();
    }

    @AfterEach
    void stop() {
        proxy.close();
        client.close();
        compositor.close();
    }

    static ByteBuffer message(int object, int opcode, Object... args) {
        return RawClient.message(object, opcode, args);
    }

    /** The client's sync, answered by the compositor: everything sent before it has passed. Returns the client's answer. */
    private Peer.Message roundTrip() throws Exception {
        int id = nextSync++;
        client.send(message(1, SYNC, id));
        compositor.await("sync " + id, m -> m.object() == 1 && m.opcode() == SYNC && m.word(0) == id);
        compositor.send(message(id, DONE, 0));
        compositor.send(message(1, DELETE_ID, id));
        return client.await("done " + id, m -> m.object() == id && m.opcode() == DONE);
    }

    private void enterWithNewOffer(int offer) throws Exception {
        compositor.send(message(DEVICE, DATA_OFFER, offer));
        compositor.send(message(offer, OFFER, "text/plain"));
        compositor.send(message(DEVICE, ENTER, 100, SURFACE, 0, 0, offer));
    }

    @Test
    void aDragFromOutsideTheVmIsNotShownAndItsOfferIsDestroyed() throws Exception {
        enterWithNewOffer(SERVER);
        Peer.Message marker = roundTrip();
        assertFalse(client.sawBefore(marker, m -> m.object() == DEVICE || Integer.compareUnsigned(m.object(), SERVER) >= 0),
                "the client saw something of a foreign drag: " + client.describe());
        assertTrue(compositor.snapshot().stream().anyMatch(m -> m.object() == SERVER && m.opcode() == DESTROY),
                "the hidden offer was destroyed at the compositor: " + compositor.describe());
    }

    @Test
    void aDragOfTheVmsOwnIsShownAndItsDataGoesOnlyToTheVmsOwnReceive() throws Exception {
        client.send(message(DEVICE, START_DRAG, SOURCE, SURFACE, 0, 100));
        compositor.await("start_drag", m -> m.object() == DEVICE && m.opcode() == START_DRAG);
        enterWithNewOffer(SERVER + 1);
        // The compositor's id 0xff000001 is the client's 0xff000000: libwayland takes ids in order.
        Peer.Message offered = client.await("data_offer", m -> m.object() == DEVICE && m.opcode() == DATA_OFFER);
        assertEquals(SERVER, offered.word(0));
        client.await("the offer's type", m -> m.object() == SERVER && m.opcode() == OFFER);
        Peer.Message enter = client.await("enter", m -> m.object() == DEVICE && m.opcode() == ENTER);
        assertEquals(SERVER, enter.word(4));

        int[] pipe = Pipes.pipe();
        client.send(message(SERVER, RECEIVE, "text/plain"), pipe[1]);
        Peer.Message receive = compositor.await("receive", m -> m.opcode() == RECEIVE);
        assertEquals(SERVER + 1, receive.object(), "translated back to the compositor's id");
        assertEquals(1, compositor.fds.size(), "with its descriptor");

        int[] first = Pipes.pipe();
        compositor.send(message(SOURCE, SEND, "text/plain"), first[1]);
        client.await("send for the VM's own receive", m -> m.object() == SOURCE && m.opcode() == SEND);
        int[] second = Pipes.pipe();
        compositor.send(message(SOURCE, SEND, "text/plain"), second[1]);
        org.qvm.wayland.wire.FdQueue.close(second[1]);
        Peer.Message marker = roundTrip();
        assertEquals(1, client.snapshot().stream().takeWhile(m -> m != marker).filter(m -> m.object() == SOURCE && m.opcode() == SEND).count(),
                "a second send, for a receive outside the VM, reached the client");
        assertEquals(0, Pipes.readAll(second[0], 16, java.time.Duration.ofSeconds(5)).length, "its reader gets nothing");
        assertTrue(log.stream().anyMatch(line -> line.contains("refused to send a drag's data out of the VM")), log.toString());

        // Once the drag is over, a drag's offer is hidden again.
        compositor.send(message(SOURCE, CANCELLED));
        enterWithNewOffer(SERVER + 2);
        compositor.await("the hidden offer's destroy", m -> m.object() == SERVER + 2 && m.opcode() == DESTROY);
    }

    @Test
    void aSelectionStaysInTheVmAndTheCompositorsIsNeverShown() throws Exception {
        client.send(message(DEVICE, SET_SELECTION, SOURCE, 100));
        Peer.Message marker = roundTrip();
        assertFalse(compositor.snapshot().stream().anyMatch(m -> m.object() == DEVICE && m.opcode() == SET_SELECTION),
                "set_selection reached the compositor");

        // The compositor shows its selection (the host's) on focus: the client gets the VM's instead.
        enterWithNewOfferAsSelection(SERVER);
        Peer.Message offered = client.await("the VM's offer", m -> m.object() == DEVICE && m.opcode() == DATA_OFFER);
        int own = offered.word(0);
        client.await("its type", m -> m.object() == own && m.opcode() == OFFER);
        Peer.Message selection = client.await("selection", m -> m.object() == DEVICE && m.opcode() == SELECTION);
        assertEquals(own, selection.word(0));
        assertFalse(client.sawBefore(selection, m -> m.object() == DEVICE && m.opcode() == DATA_OFFER && m.word(0) != own),
                "the host's offer was shown");

        // Pasting in the VM: the source (this very client) is asked to send, the compositor hears nothing.
        int[] pipe = Pipes.pipe();
        client.send(message(own, RECEIVE, "text/plain"), pipe[1]);
        client.await("send to the VM's source", m -> m.object() == SOURCE && m.opcode() == SEND);
        Peer.Message after = roundTrip();
        assertFalse(compositor.snapshot().stream().anyMatch(m -> Integer.compareUnsigned(m.object(), SERVER) >= 0 && m.opcode() == RECEIVE),
                "the compositor heard of the paste");
        assertTrue(compositor.snapshot().stream().anyMatch(m -> m.object() == SERVER && m.opcode() == DESTROY),
                "the host's offer was destroyed at the compositor: " + compositor.describe());
        assertTrue(after != null && marker != null);
    }

    private void enterWithNewOfferAsSelection(int offer) throws Exception {
        compositor.send(message(DEVICE, DATA_OFFER, offer));
        compositor.send(message(offer, OFFER, "text/plain"));
        compositor.send(message(DEVICE, SELECTION, offer));
    }
}
