package org.qvm.wayland.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.qvm.wayland.protocol.Arg;
import org.qvm.wayland.protocol.Interface;
import org.qvm.wayland.protocol.Message;
import org.qvm.wayland.protocol.Protocols;
import org.qvm.wayland.protocol.WireType;
import org.qvm.wayland.wire.Decoded;
import org.qvm.wayland.wire.Encoder;
import org.qvm.wayland.wire.FdQueue;
import org.qvm.wayland.wire.UnixSocket;
import org.qvm.wayland.wire.Violation;

/**
 * One guest client's connection, relayed to a connection of its own to the compositor: requests
 * one way, events the other, each in a thread of its own, every message checked against its
 * signature (and its descriptors counted by it) before it passes. The registry shows only the
 * allowed globals, at most at the versions the proxy knows; toplevels are tagged. Whatever the
 * client does wrong closes this connection only, with the reason logged.
 */
final class Session {
    private static final int BUFFER = 64 * 1024;

    record Global(String iface, int version) {
    }

    private final String vm;
    private final int number;
    private final Protocols protocols;
    private final Consumer<String> log;
    private final UnixSocket client;
    private final UnixSocket compositor;
    private final ObjectMap objects;
    private final ServerIds serverIds = new ServerIds();
    private final Tagging tagging;
    private final Map<Integer, Global> offered = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Runnable onClose;
    private final Interface registry;
    private final Interface display;
    private final Output toCompositor;
    private final Output toClient;
    private final DataTransfer dataTransfer;

    Session(String vm, int number, Protocols protocols, Clipboard clipboard, UnixSocket client, UnixSocket compositor,
            Consumer<String> log, Runnable onClose) {
        this.vm = vm;
        this.number = number;
        this.protocols = protocols;
        this.client = client;
        this.compositor = compositor;
        this.log = log;
        this.onClose = onClose;
        this.display = protocols.iface("wl_display").orElseThrow();
        this.registry = protocols.iface("wl_registry").orElseThrow();
        this.objects = new ObjectMap(display);
        this.tagging = new Tagging(vm, protocols);
        this.toCompositor = new Output(compositor);
        this.toClient = new Output(client);
        this.dataTransfer = new DataTransfer(objects, serverIds, protocols, clipboard, toClient, toCompositor,
                line -> log.accept("client " + number + ": " + line));
    }

    void start() {
        thread("requests", () -> pump(client, toCompositor, this::request, "the client"));
        thread("events", () -> pump(compositor, toClient, this::event, "the compositor"));
    }

    private void thread(String direction, Runnable body) {
        Thread thread = new Thread(body, "wayland-" + vm + "-" + number + "-" + direction);
        thread.setDaemon(true);
        thread.start();
    }

    private interface Handler {
        void handle(ByteBuffer buffer, int start, int size, int object, int opcode, FdQueue fds, Output out) throws Violation, IOException;
    }

    private void pump(UnixSocket from, Output out, Handler handler, String who) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.nativeOrder());
        FdQueue fds = new FdQueue();
        try {
            while (!closed.get()) {
                if (from.receive(buffer, fds) < 0) {
                    close(who + " closed the connection", false);
                    return;
                }
                buffer.flip();
                while (buffer.remaining() >= Decoded.HEADER) {
                    int start = buffer.position();
                    int object = buffer.getInt(start);
                    int word = buffer.getInt(start + 4);
                    int size = word >>> 16;
                    int opcode = word & 0xffff;
                    if (size < Decoded.HEADER || size % 4 != 0) {
                        throw new Violation("a message of " + size + " bytes");
                    }
                    if (buffer.remaining() < size) {
                        break;
                    }
                    handler.handle(buffer, start, size, object, opcode, fds, out);
                    buffer.position(start + size);
                }
                buffer.compact();
                out.flush();
            }
        } catch (Violation violation) {
            close(who + ": " + violation.getMessage(), true);
        } catch (IOException e) {
            close(who + ": " + e.getMessage(), false);
        } catch (RuntimeException e) {
            // A fault of the proxy's own: this connection ends, the others go on.
            log.accept("client " + number + " closed by an error in the proxy: " + e);
            close(who + ": " + e, false);
        } finally {
            fds.closeAll();
        }
    }

    /** A request from the guest's client, checked, perhaps rewritten, passed on. */
    private void request(ByteBuffer buffer, int start, int size, int object, int opcode, FdQueue fds, Output out)
            throws Violation, IOException {
        ObjectMap.Entry target = objects.live(object, "a request");
        Interface iface = target.iface();
        if (opcode >= iface.requests().size()) {
            throw new Violation(iface.name() + " has no request " + opcode + " (that the proxy passes)");
        }
        Message message = iface.requests().get(opcode);
        String name = iface.name() + "." + message.name();
        if (message.since() > target.version()) {
            throw new Violation(name + " needs version " + message.since() + ", the object has " + target.version());
        }
        Decoded args = Decoded.decode(buffer, start, size, message, fds);
        Patch patch = new Patch();
        for (int i = 0; i < message.args().size(); i++) {
            Arg arg = message.args().get(i);
            int value = args.values[i];
            if (arg.type() == WireType.OBJECT) {
                if (value == 0) {
                    if (!arg.nullable()) {
                        throw new Violation(name + ": a null object where one is required");
                    }
                } else {
                    ObjectMap.Entry used = objects.live(value, name);
                    if (arg.iface().isPresent() && !arg.iface().get().equals(used.iface().name())) {
                        throw new Violation(name + ": object " + value + " is a " + used.iface().name() + ", not a " + arg.iface().get());
                    }
                    if (ServerIds.isServer(value)) {
                        patch.put(args.positions[i], serverIds.compositor(value).orElseThrow(
                                () -> new Violation(name + ": object " + Integer.toUnsignedString(value) + " is not the compositor's")));
                    }
                }
            } else if (arg.type() == WireType.NEW_ID && arg.iface().isPresent()) {
                objects.createdByClient(value, protocols.iface(arg.iface().get()).orElseThrow(), target.version());
            } else if (arg.type() == WireType.NEW_ID) {
                bind(args, value);
            }
        }
        if (dataTransfer.request(iface, message, object, args)) {
            args.closeFds();
            return;
        }
        if (ServerIds.isServer(object)) {
            patch.put(0, serverIds.compositor(object).orElseThrow(
                    () -> new Violation(name + ": object " + Integer.toUnsignedString(object) + " is not the compositor's")));
        }
        ByteBuffer rewritten = tagging.rewrite(iface, object, opcode, args);
        ByteBuffer raw = buffer.slice(start, size).order(ByteOrder.nativeOrder());
        out.add(rewritten != null ? rewritten : patch.applyTo(raw), args.fds);
        if (message.destructor()) {
            if (ServerIds.isServer(object)) {
                serverIds.destroyedByClient(object, iface);
                objects.remove(object);
            } else {
                objects.destroyed(object);
            }
        }
        tagging.after(iface, message.name(), args, out);
        dataTransfer.afterRequest(iface, message, args);
    }

    /** Words to change in a message on its way: compositor-side ids translated. */
    static final class Patch {
        private int[] positions = new int[0];
        private int[] values = new int[0];

        void put(int position, int value) {
            positions = java.util.Arrays.copyOf(positions, positions.length + 1);
            values = java.util.Arrays.copyOf(values, values.length + 1);
            positions[positions.length - 1] = position;
            values[values.length - 1] = value;
        }

        ByteBuffer applyTo(ByteBuffer raw) {
            if (positions.length == 0) {
                return raw;
            }
            ByteBuffer copy = ByteBuffer.allocate(raw.remaining()).order(raw.order());
            copy.put(raw.duplicate()).flip();
            for (int i = 0; i < positions.length; i++) {
                copy.putInt(positions[i], values[i]);
            }
            return copy;
        }
    }

    /** wl_registry.bind: only a global this client was offered, by its name and interface, at most at the version offered. */
    private void bind(Decoded args, int id) throws Violation {
        int name = args.values[0];
        Global global = offered.get(name);
        String asked = Printable.of(args.boundInterface);
        if (global == null) {
            throw new Violation("wl_registry.bind of global " + Integer.toUnsignedString(name) + " (" + asked + "), which it was not offered");
        }
        if (!global.iface().equals(args.boundInterface)) {
            throw new Violation("wl_registry.bind of global " + name + " as " + asked + ", which is a " + global.iface());
        }
        if (args.boundVersion < 1 || args.boundVersion > global.version()) {
            throw new Violation("wl_registry.bind of " + global.iface() + " at version " + args.boundVersion + " (at most "
                    + global.version() + ")");
        }
        objects.createdByClient(id, protocols.iface(global.iface()).orElseThrow(), args.boundVersion);
    }

    /** An event from the compositor: passed on, except hidden globals; objects it makes are noted. */
    private void event(ByteBuffer buffer, int start, int size, int object, int opcode, FdQueue fds, Output out)
            throws Violation, IOException {
        ByteBuffer raw = buffer.slice(start, size).order(ByteOrder.nativeOrder());
        int clientId = object;
        if (ServerIds.isServer(object)) {
            java.util.OptionalInt shown = serverIds.client(object);
            if (shown.isEmpty()) {
                Interface unseen = dataTransfer.holds(object) ? dataTransfer.offerInterface() : serverIds.gone(object);
                if (unseen == null) {
                    throw new Violation("an event for unknown object " + Integer.toUnsignedString(object));
                }
                if (opcode >= unseen.events().size()) {
                    throw new Violation(unseen.name() + " has no event " + opcode + " (that the proxy knows)");
                }
                Decoded args = Decoded.decode(buffer, start, size, unseen.events().get(opcode), fds);
                if (!dataTransfer.heldEvent(object, raw)) {
                    args.closeFds();
                }
                return;
            }
            clientId = shown.getAsInt();
        }
        ObjectMap.Entry target = objects.get(clientId);
        if (target == null) {
            throw new Violation("an event for unknown object " + Integer.toUnsignedString(object));
        }
        Interface iface = target.iface();
        if (opcode >= iface.events().size()) {
            throw new Violation(iface.name() + " has no event " + opcode + " (that the proxy knows)");
        }
        Message message = iface.events().get(opcode);
        Decoded args = Decoded.decode(buffer, start, size, message, fds);
        if (target.zombie()) {
            args.closeFds();
            return;
        }
        if (dataTransfer.event(iface, message, clientId, args, raw)) {
            return;
        }
        Patch patch = new Patch();
        if (clientId != object) {
            patch.put(0, clientId);
        }
        for (int i = 0; i < message.args().size(); i++) {
            Arg arg = message.args().get(i);
            int value = args.values[i];
            if (arg.type() == WireType.NEW_ID && arg.iface().isPresent()) {
                serverIds.madeByCompositor(value);
                int client = serverIds.show(value);
                objects.put(client, protocols.iface(arg.iface().get()).orElseThrow(), target.version());
                patch.put(args.positions[i], client);
            } else if (arg.type() == WireType.OBJECT && value != 0 && ServerIds.isServer(value)) {
                java.util.OptionalInt client = serverIds.client(value);
                if (client.isEmpty()) {
                    // An object the client does not have: it is told of none.
                    if (!arg.nullable()) {
                        args.closeFds();
                        return;
                    }
                    patch.put(args.positions[i], 0);
                } else {
                    patch.put(args.positions[i], client.getAsInt());
                }
            }
        }
        ByteBuffer passed = patch.applyTo(raw);
        if (iface == registry) {
            passed = registryEvent(clientId, opcode, message, args, passed);
            if (passed == null) {
                return;
            }
        } else if (iface == display && message.name().equals("delete_id")) {
            objects.deleted(args.values[0]);
        }
        out.add(passed, args.fds);
        if (message.destructor()) {
            objects.destroyed(clientId);
        }
    }

    /** The registry as the guest sees it: allowed globals only, at most at the proxy's versions; null to drop the event. */
    private ByteBuffer registryEvent(int object, int opcode, Message message, Decoded args, ByteBuffer passed) {
        int name = args.values[0];
        if (message.name().equals("global")) {
            String iface = args.string(1);
            int version = args.values[2];
            java.util.Optional<Integer> cap = protocols.globalCap(iface);
            if (cap.isEmpty()) {
                return null;
            }
            int offeredVersion = Math.min(version, cap.get());
            offered.put(name, new Global(iface, offeredVersion));
            return offeredVersion == version ? passed : new Encoder(object, opcode).uint(name).string(iface).uint(offeredVersion).done();
        }
        if (message.name().equals("global_remove")) {
            return offered.containsKey(name) ? passed : null;
        }
        return passed;
    }

    /** Ends the connection both ways, once; a client's fault is logged as such. */
    void close(String reason, boolean fault) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (fault) {
            log.accept("client " + number + " cut off, " + Printable.of(reason));
        }
        dataTransfer.close();
        client.close();
        compositor.close();
        onClose.run();
    }
}
