package org.qvm.wayland.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.qvm.wayland.protocol.Interface;
import org.qvm.wayland.protocol.Message;
import org.qvm.wayland.protocol.Protocols;
import org.qvm.wayland.wire.Decoded;
import org.qvm.wayland.wire.Encoder;
import org.qvm.wayland.wire.FdQueue;
import org.qvm.wayland.wire.Violation;

/**
 * One client's side of the clipboard and of drag-and-drop (wl_data_device and friends), as
 * {@link Clipboard} rules them: its set_selection stays in the VM's clipboard; the selection it is
 * shown is the VM's, in offers the proxy makes itself; the compositor's selection offers are
 * never shown and are destroyed at once; a drag's offers are shown only while a drag of this VM
 * is on, and a source sends a drag's data only for a receive of this VM's.
 */
final class DataTransfer implements Clipboard.Listener {
    /** Events for a compositor offer held back until it is known whether the client may see it. */
    private static final int HELD_EVENTS = 64;
    private static final int MIME_TYPES = 64;

    private final ObjectMap objects;
    private final ServerIds serverIds;
    private final Clipboard clipboard;
    private final Output toClient;
    private final Output toCompositor;
    private final Consumer<String> log;
    private final Interface offerInterface;
    private final Op op;
    private final Set<Integer> devices = ConcurrentHashMap.newKeySet();
    private final Map<Integer, List<String>> sources = new ConcurrentHashMap<>();
    private final Map<Integer, SourceHolder> holders = new ConcurrentHashMap<>();
    private final Map<Integer, Clipboard.Selection> shown = new ConcurrentHashMap<>();
    private final Map<Integer, List<ByteBuffer>> held = new ConcurrentHashMap<>();
    private final Set<Integer> dragShownTo = ConcurrentHashMap.newKeySet();
    private final Object dragKey = new Object();
    private volatile boolean focused;

    /** The opcodes used here, by name. */
    private record Op(int deviceDataOffer, int deviceEnter, int deviceLeave, int deviceMotion, int deviceDrop, int deviceSelection,
                      int offerOffer, int offerDestroy, int sourceSend, int sourceCancelled) {
        static Op of(Protocols protocols) {
            Interface device = protocols.iface("wl_data_device").orElseThrow();
            Interface offer = protocols.iface("wl_data_offer").orElseThrow();
            Interface source = protocols.iface("wl_data_source").orElseThrow();
            return new Op(event(device, "data_offer"), event(device, "enter"), event(device, "leave"), event(device, "motion"),
                    event(device, "drop"), event(device, "selection"), event(offer, "offer"), request(offer, "destroy"),
                    event(source, "send"), event(source, "cancelled"));
        }
    }

    static int event(Interface iface, String name) {
        return index(iface.events(), name, iface);
    }

    static int request(Interface iface, String name) {
        return index(iface.requests(), name, iface);
    }

    private static int index(List<Message> messages, String name, Interface iface) {
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException(iface.name() + " has no " + name);
    }

    DataTransfer(ObjectMap objects, ServerIds serverIds, Protocols protocols, Clipboard clipboard, Output toClient,
                 Output toCompositor, Consumer<String> log) {
        this.objects = objects;
        this.serverIds = serverIds;
        this.clipboard = clipboard;
        this.toClient = toClient;
        this.toCompositor = toCompositor;
        this.log = log;
        this.offerInterface = protocols.iface("wl_data_offer").orElseThrow();
        this.op = Op.of(protocols);
        clipboard.listen(this);
    }

    /** A client's wl_data_source as the holder of the VM's selection. */
    private final class SourceHolder implements Clipboard.Holder {
        private final int source;

        SourceHolder(int source) {
            this.source = source;
        }

        @Override
        public void send(String mime, int fd) {
            if (!liveSource()) {
                FdQueue.close(fd);
                return;
            }
            toClientQuietly(new Encoder(source, op.sourceSend()).string(mime).done(), new int[] {fd});
        }

        @Override
        public void cancelled() {
            if (liveSource()) {
                toClientQuietly(new Encoder(source, op.sourceCancelled()).done(), new int[0]);
            }
        }

        private boolean liveSource() {
            ObjectMap.Entry entry = objects.get(source);
            return entry != null && !entry.zombie();
        }
    }

    private void toClientQuietly(ByteBuffer message, int[] fds) {
        try {
            toClient.add(message, fds);
            toClient.flush();
        } catch (IOException e) {
            // The client is gone; its session closes.
        }
    }

    /** Handles a request here; true when it must not go on to the compositor as it is. */
    boolean request(Interface iface, Message message, int object, Decoded args) throws Violation, IOException {
        switch (iface.name()) {
            case "wl_data_device" -> {
                switch (message.name()) {
                    case "set_selection" -> {
                        int source = args.values[0];
                        clipboard.set(source == 0 ? Optional.empty() : Optional.of(new Clipboard.Selection(
                                holders.computeIfAbsent(source, SourceHolder::new), sources.getOrDefault(source, List.of()))));
                        return true;
                    }
                    case "start_drag" -> {
                        if (args.values[0] != 0) {
                            clipboard.dragStarted(List.of(dragKey, args.values[0]));
                        }
                    }
                    case "release" -> devices.remove(object);
                    default -> {
                    }
                }
            }
            case "wl_data_source" -> {
                if (message.name().equals("offer")) {
                    List<String> types = sources.computeIfAbsent(object, id -> new java.util.concurrent.CopyOnWriteArrayList<>());
                    if (types.size() >= MIME_TYPES) {
                        throw new Violation("wl_data_source.offer: more than " + MIME_TYPES + " types");
                    }
                    types.add(args.string(0));
                } else if (message.name().equals("destroy")) {
                    sourceGone(object);
                }
            }
            case "wl_data_offer" -> {
                Clipboard.Selection selection = shown.get(object);
                if (selection == null) {
                    if (message.name().equals("receive")) {
                        clipboard.dropReceiveRequested();
                    }
                    return false;
                }
                // One of the proxy's own offers: the compositor never heard of it.
                if (message.name().equals("receive")) {
                    String mime = args.string(0);
                    int fd = args.fds[0];
                    args.fds[0] = -1;
                    if (clipboard.current().filter(now -> now == selection).isPresent() && selection.mimeTypes().contains(mime)) {
                        selection.holder().send(mime, fd);
                    } else {
                        FdQueue.close(fd);
                    }
                } else if (message.name().equals("destroy")) {
                    shown.remove(object);
                    objects.remove(object);
                    serverIds.destroyedByClient(object, offerInterface);
                }
                return true;
            }
            default -> {
            }
        }
        return false;
    }

    /**
     * After a request went on: a new data device is noted. It is shown the VM's selection when the
     * compositor would show it one (with the keyboard's focus), not before: clients expect that.
     */
    void afterRequest(Interface iface, Message message, Decoded args) {
        if (iface.name().equals("wl_data_device_manager") && message.name().equals("get_data_device")) {
            devices.add(args.values[0]);
        }
    }

    /** Whether a compositor offer is held back (events for it come here, though the client may not use it). */
    boolean holds(int offer) {
        return held.containsKey(offer);
    }

    Interface offerInterface() {
        return offerInterface;
    }

    /** An event for a held-back offer (by the compositor's id): kept for when it is shown; false if it is not held. */
    boolean heldEvent(int offer, ByteBuffer raw) throws IOException {
        List<ByteBuffer> heldBack = held.get(offer);
        if (heldBack == null) {
            return false;
        }
        if (heldBack.size() >= HELD_EVENTS) {
            hide(offer);
        } else {
            heldBack.add(copy(raw));
        }
        return true;
    }

    /**
     * Handles an event here (its ids as the compositor sent them, but for the object it is for);
     * true when the client does not get it as it is.
     */
    boolean event(Interface iface, Message message, int object, Decoded args, ByteBuffer raw) throws Violation, IOException {
        if (iface.name().equals("wl_data_device")) {
            return deviceEvent(message, object, args, raw);
        }
        if (iface.name().equals("wl_keyboard")) {
            if (message.name().equals("enter")) {
                focused = true;
            } else if (message.name().equals("leave")) {
                focused = false;
            }
            return false;
        }
        if (iface.name().equals("wl_data_source")) {
            switch (message.name()) {
                case "send" -> {
                    if (!clipboard.takeDropReceive()) {
                        log.accept("refused to send a drag's data out of the VM");
                        args.closeFds();
                        return true;
                    }
                }
                case "cancelled", "dnd_finished" -> clipboard.dragEnded(List.of(dragKey, object));
                default -> {
                }
            }
        }
        return false;
    }

    private boolean deviceEvent(Message message, int device, Decoded args, ByteBuffer raw) throws Violation, IOException {
        switch (message.name()) {
            case "data_offer" -> {
                int offer = args.values[0];
                serverIds.madeByCompositor(offer);
                List<ByteBuffer> events = new ArrayList<>();
                events.add(copy(raw));
                held.put(offer, events);
                return true;
            }
            case "selection" -> {
                // The compositor's selection is the host's or another VM's: never shown here.
                int offer = args.values[0];
                if (offer != 0) {
                    hide(offer);
                }
                show(device, clipboard.current());
                return true;
            }
            case "enter" -> {
                int offer = args.values[4];
                if (clipboard.ownDragActive() && (offer == 0 || held.containsKey(offer))) {
                    if (offer != 0) {
                        reveal(device, offer);
                    }
                    dragShownTo.add(device);
                    return false;
                }
                if (offer != 0) {
                    hide(offer);
                }
                dragShownTo.remove(device);
                return true;
            }
            case "leave" -> {
                return !dragShownTo.remove(device);
            }
            case "motion", "drop" -> {
                return !dragShownTo.contains(device);
            }
            default -> {
                return false;
            }
        }
    }

    /** A compositor offer the client must not see: forgotten, and destroyed at the compositor. */
    private void hide(int offer) throws IOException {
        held.remove(offer);
        serverIds.notShown(offer, offerInterface);
        toCompositor.add(new Encoder(offer, op.offerDestroy()).done(), new int[0]);
        toCompositor.flush();
    }

    /** A held offer of this VM's own drag: shown to the client now, with what was held back, under its client-side id. */
    private void reveal(int device, int offer) throws IOException, Violation {
        List<ByteBuffer> events = held.remove(offer);
        int client = serverIds.show(offer);
        objects.put(client, offerInterface, objects.get(device).version());
        for (int i = 0; i < events.size(); i++) {
            ByteBuffer event = events.get(i);
            // The first is wl_data_device.data_offer(new id): its argument is the offer; the rest are the offer's own.
            event.putInt(i == 0 ? 8 : 0, client);
            toClient.add(event, new int[0]);
        }
    }

    private static ByteBuffer copy(ByteBuffer raw) {
        ByteBuffer copy = ByteBuffer.allocate(raw.remaining()).order(raw.order());
        copy.put(raw.duplicate()).flip();
        return copy;
    }

    /** Shows a device the VM's selection, in an offer the proxy makes (or none). */
    private void show(int device, Optional<Clipboard.Selection> selection) {
        try {
            if (selection.isEmpty()) {
                toClient.add(new Encoder(device, op.deviceSelection()).uint(0).done(), new int[0]);
            } else {
                ObjectMap.Entry deviceEntry = objects.get(device);
                if (deviceEntry == null || deviceEntry.zombie()) {
                    return;
                }
                int offer = serverIds.allocate();
                objects.put(offer, offerInterface, deviceEntry.version());
                shown.put(offer, selection.get());
                toClient.add(new Encoder(device, op.deviceDataOffer()).uint(offer).done(), new int[0]);
                for (String mime : selection.get().mimeTypes()) {
                    toClient.add(new Encoder(offer, op.offerOffer()).string(mime).done(), new int[0]);
                }
                toClient.add(new Encoder(device, op.deviceSelection()).uint(offer).done(), new int[0]);
            }
            toClient.flush();
        } catch (IOException | Violation e) {
            // The client is gone, or has too many objects: it is not shown the selection.
        }
    }

    /** A new selection of the VM's is shown to a client that has the keyboard's focus, as the compositor does. */
    @Override
    public void selectionChanged(Optional<Clipboard.Selection> selection) {
        if (!focused) {
            return;
        }
        for (int device : devices) {
            show(device, selection);
        }
    }

    private void sourceGone(int source) {
        sources.remove(source);
        SourceHolder holder = holders.remove(source);
        if (holder != null) {
            clipboard.holderGone(holder);
        }
        clipboard.dragEnded(List.of(dragKey, source));
    }

    /** The client is gone: its sources hold nothing any more. */
    void close() {
        clipboard.forget(this);
        for (int source : List.copyOf(holders.keySet())) {
            sourceGone(source);
        }
    }
}
