package org.qvm.wayland.protocol;

import java.util.List;

/** A request or an event: its name, the interface version it came with, whether it destroys its object, and its arguments. */
public record Message(String name, int since, boolean destructor, List<Arg> args) {
    public Message {
        args = List.copyOf(args);
    }

    /** How many file descriptors travel with it (out of band: the header does not say). */
    public int fdCount() {
        return (int) args.stream().filter(arg -> arg.type() == WireType.FD).count();
    }
}
