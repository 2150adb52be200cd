package org.qvm.wayland.proxy;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.qvm.wayland.protocol.Interface;

/**
 * The ids of objects the compositor's side makes (from 0xff000000 up), as the client and as the
 * compositor know them. They differ because the proxy shows the client objects of its own (the
 * VM's clipboard offers) and hides some of the compositor's (its selection offers): libwayland
 * makes a client take such ids in order, so the proxy gives the client the lowest free one and
 * translates both ways. A compositor object the client never had, or has destroyed, is "gone":
 * events still on their way for it are read (by its interface) and dropped.
 */
final class ServerIds {
    static final int FIRST = 0xff000000;

    private final Map<Integer, Integer> toClient = new HashMap<>();
    private final Map<Integer, Integer> toCompositor = new HashMap<>();
    private final Map<Integer, Interface> gone = new HashMap<>();
    private final BitSet clientSlots = new BitSet();

    static boolean isServer(int id) {
        return Integer.compareUnsigned(id, FIRST) >= 0;
    }

    /** A client-side id for an object only the proxy knows. */
    synchronized int allocate() {
        int slot = clientSlots.nextClearBit(0);
        clientSlots.set(slot);
        return FIRST + slot;
    }

    /** A compositor object the client is shown: its client-side id. */
    synchronized int show(int compositorId) {
        gone.remove(compositorId);
        int client = allocate();
        toClient.put(compositorId, client);
        toCompositor.put(client, compositorId);
        return client;
    }

    synchronized OptionalInt client(int compositorId) {
        Integer id = toClient.get(compositorId);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    synchronized OptionalInt compositor(int clientId) {
        Integer id = toCompositor.get(clientId);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The client destroyed an object (its id is free on its side at once). */
    synchronized void destroyedByClient(int clientId, Interface iface) {
        clientSlots.clear(clientId - FIRST);
        Integer compositorId = toCompositor.remove(clientId);
        if (compositorId != null) {
            toClient.remove(compositorId);
            gone.put(compositorId, iface);
        }
    }

    /** A compositor object the client is never shown. */
    synchronized void notShown(int compositorId, Interface iface) {
        gone.put(compositorId, iface);
    }

    /** The interface of a compositor object the client does not have (any more), or null. */
    synchronized Interface gone(int compositorId) {
        return gone.get(compositorId);
    }

    /** The compositor made a new object with this id: whatever had it before is over. */
    synchronized void madeByCompositor(int compositorId) {
        gone.remove(compositorId);
    }
}
