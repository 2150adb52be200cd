package org.qvm.wayland.protocol;

import java.util.List;

/** An interface as far as the proxy knows it: up to {@code version}, its requests and events by opcode. */
public record Interface(String name, int version, List<Message> requests, List<Message> events) {
    public Interface {
        requests = List.copyOf(requests);
        events = List.copyOf(events);
    }
}
