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
    private final Tagging tagging;
    private final Map<Integer, Global> offered = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Runnable onClose;
    private final Interface registry;
    private final Interface display;

    Session(String vm, int number, Protocols protocols, UnixSocket client, UnixSocket compositor, Consumer<String> log,
            Runnable onClose) {
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
    }

    void start() {
        Output toCompositor = new Output(compositor);
        Output toClient = new Output(client);
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
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER).order(ByteOrder.nativeOrder());
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
        } catch (IOException | RuntimeException e) {
            close(who + ": " + e.getMessage(), false);
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
                }
            } else if (arg.type() == WireType.NEW_ID && arg.iface().isPresent()) {
                objects.createdByClient(value, protocols.iface(arg.iface().get()).orElseThrow(), target.version());
            } else if (arg.type() == WireType.NEW_ID) {
                bind(args, value);
            }
        }
        ByteBuffer rewritten = tagging.rewrite(iface, object, opcode, args);
        out.add(rewritten != null ? rewritten : buffer.slice(start, size).order(ByteOrder.nativeOrder()), args.fds);
        if (message.destructor()) {
            objects.destroyed(object);
        }
        tagging.after(iface, message.name(), args, out);
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
        ObjectMap.Entry target = objects.get(object);
        if (target == null) {
            throw new Violation("an event for unknown object " + object);
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
        for (int i = 0; i < message.args().size(); i++) {
            Arg arg = message.args().get(i);
            if (arg.type() == WireType.NEW_ID && arg.iface().isPresent()) {
                objects.createdByCompositor(args.values[i], protocols.iface(arg.iface().get()).orElseThrow(), target.version());
            }
        }
        ByteBuffer passed = buffer.slice(start, size).order(ByteOrder.nativeOrder());
        if (iface == registry) {
            passed = registryEvent(object, opcode, message, args, passed);
            if (passed == null) {
                return;
            }
        } else if (iface == display && message.name().equals("delete_id")) {
            objects.deleted(args.values[0]);
        }
        out.add(passed, args.fds);
        if (message.destructor()) {
            objects.destroyed(object);
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
        client.close();
        compositor.close();
        onClose.run();
    }
}
