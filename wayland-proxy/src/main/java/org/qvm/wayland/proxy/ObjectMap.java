package org.qvm.wayland.proxy;

import java.util.HashMap;
import java.util.Map;
import org.qvm.wayland.protocol.Interface;
import org.qvm.wayland.wire.Violation;

/**
 * The objects of one client connection, as both ends know them: id, interface and version. Ids
 * below {@value #FIRST_SERVER_ID} are the client's, the rest the compositor's. An object the client
 * destroyed stays as a zombie until the compositor confirms with wl_display.delete_id (events for
 * it may still be on their way, and their descriptors must be read); the compositor's own objects
 * go when the client destroys them. Both of the connection's threads use it.
 */
final class ObjectMap {
    static final int FIRST_SERVER_ID = 0xff000000;
    static final int DISPLAY = 1;
    /** More objects than this on one connection is not an application, it is an attack. */
    static final int LIMIT = 100_000;

    record Entry(Interface iface, int version, boolean zombie) {
    }

    private final Map<Integer, Entry> objects = new HashMap<>();

    ObjectMap(Interface display) {
        objects.put(DISPLAY, new Entry(display, 1, false));
    }

    synchronized Entry get(int id) {
        return objects.get(id);
    }

    /** A live object the client may address; a {@link Violation} otherwise. */
    synchronized Entry live(int id, String use) throws Violation {
        Entry entry = objects.get(id);
        if (entry == null || entry.zombie()) {
            throw new Violation(use + ": unknown object " + id);
        }
        return entry;
    }

    /** A new object of the client's (from a request): the id must be the client's and free. */
    synchronized void createdByClient(int id, Interface iface, int version) throws Violation {
        if (id == 0 || Integer.compareUnsigned(id, FIRST_SERVER_ID) >= 0) {
            throw new Violation("new object id " + Integer.toUnsignedString(id) + " is not a client's");
        }
        putNew(id, iface, version);
    }

    private void putNew(int id, Interface iface, int version) throws Violation {
        if (objects.containsKey(id)) {
            throw new Violation("object id " + id + " is in use");
        }
        if (objects.size() >= LIMIT) {
            throw new Violation("more than " + LIMIT + " objects");
        }
        objects.put(id, new Entry(iface, version, false));
    }

    /** An object of the compositor's side the client is shown (its client-side id). */
    synchronized void put(int id, Interface iface, int version) throws Violation {
        if (objects.size() >= LIMIT) {
            throw new Violation("more than " + LIMIT + " objects");
        }
        objects.put(id, new Entry(iface, version, false));
    }

    synchronized void remove(int id) {
        objects.remove(id);
    }

    /** The object is gone from the client's side (a destructor request or event). */
    synchronized void destroyed(int id) {
        Entry entry = objects.get(id);
        if (entry == null) {
            return;
        }
        if (Integer.compareUnsigned(id, FIRST_SERVER_ID) >= 0) {
            objects.remove(id);
        } else {
            objects.put(id, new Entry(entry.iface(), entry.version(), true));
        }
    }

    /** wl_display.delete_id: the compositor is done with the client's id, which may be used again. */
    synchronized void deleted(int id) {
        objects.remove(id);
    }
}
