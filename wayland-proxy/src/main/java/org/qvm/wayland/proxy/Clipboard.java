package org.qvm.wayland.proxy;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One VM's clipboard, kept in its proxy: a selection one of the VM's clients sets never reaches
 * the compositor, so no other VM and none of the host's clients is ever offered it; the VM's own
 * clients are (the proxy shows them the offer itself). The compositor's selection (the host's,
 * another VM's) is never shown to the VM. The user passes a selection on explicitly, with
 * qvm-clipboard (the proxy's control socket). Drags: a drag started in this VM may drop into this
 * VM only; data for it goes out only to a receive one of the VM's own clients made.
 */
final class Clipboard {
    /** Whoever holds the selection: a client's wl_data_source, or data pasted in by the user. */
    interface Holder {
        /** Has the data written to {@code fd} (which the holder now owns), as {@code mime}. */
        void send(String mime, int fd);

        /** The selection went to another holder. */
        void cancelled();
    }

    record Selection(Holder holder, List<String> mimeTypes) {
        Selection {
            mimeTypes = List.copyOf(mimeTypes);
        }
    }

    /** A VM client's view of selection changes. */
    interface Listener {
        void selectionChanged(Optional<Selection> selection);
    }

    private final Set<Listener> listeners = new CopyOnWriteArraySet<>();
    private Optional<Selection> current = Optional.empty();
    private Object dragSource;
    private final AtomicInteger pendingDropReceives = new AtomicInteger();

    void listen(Listener listener) {
        listeners.add(listener);
    }

    void forget(Listener listener) {
        listeners.remove(listener);
    }

    synchronized Optional<Selection> current() {
        return current;
    }

    /** A new selection (empty: none); the old holder is told, every client of the VM is shown it. */
    void set(Optional<Selection> selection) {
        Optional<Selection> old;
        synchronized (this) {
            old = current;
            current = selection;
        }
        old.filter(before -> selection.map(now -> now.holder() != before.holder()).orElse(true))
                .ifPresent(before -> before.holder().cancelled());
        listeners.forEach(listener -> listener.selectionChanged(selection));
    }

    /** The holder is gone (its source destroyed, its client away): if it held the selection, there is none now. */
    void holderGone(Holder holder) {
        boolean held;
        synchronized (this) {
            held = current.filter(selection -> selection.holder() == holder).isPresent();
            if (held) {
                current = Optional.empty();
            }
        }
        if (held) {
            listeners.forEach(listener -> listener.selectionChanged(Optional.empty()));
        }
    }

    synchronized void dragStarted(Object source) {
        dragSource = source;
        pendingDropReceives.set(0);
    }

    synchronized void dragEnded(Object source) {
        if (source.equals(dragSource)) {
            dragSource = null;
            pendingDropReceives.set(0);
        }
    }

    /** Whether a drag that one of this VM's clients started is on (its offers may be shown to the VM's clients). */
    synchronized boolean ownDragActive() {
        return dragSource != null;
    }

    /** One of the VM's clients asked for a drag's data: the source may be given one request to send it. */
    void dropReceiveRequested() {
        pendingDropReceives.incrementAndGet();
    }

    /** Whether a request to send a drag's data answers one of the VM's own receives (else it is refused). */
    boolean takeDropReceive() {
        return pendingDropReceives.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }
}
