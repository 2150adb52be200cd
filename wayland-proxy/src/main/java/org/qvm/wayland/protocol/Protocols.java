package org.qvm.wayland.protocol;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every interface a guest may use through its proxy, with each message's signature (a message's
 * file descriptors are known only from it), and the globals the guest may see with the highest
 * version the proxy knows. Read from {@code protocols.txt} beside this class, which is generated
 * from Debian's protocol XML and the allow-list {@code wayland-proxy/allowed-globals.txt} (see
 * the module's README section): a test regenerates it and compares.
 *
 * <p>The format, one item per line ({@code #} comments): {@code global NAME VERSION};
 * {@code interface NAME VERSION}, then its messages in opcode order, {@code request|event NAME
 * SINCE [destructor] ARG...}, each argument as {@link Arg#render()} writes it.
 */
public final class Protocols {
    public static final String RESOURCE = "protocols.txt";

    private final Map<String, Interface> interfaces;
    private final Map<String, Integer> globals;

    public Protocols(Map<String, Interface> interfaces, Map<String, Integer> globals) {
        this.interfaces = Map.copyOf(interfaces);
        this.globals = Map.copyOf(globals);
    }

    /** The descriptions shipped with the proxy. */
    public static Protocols builtIn() {
        try (InputStream in = Protocols.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the proxy's jar");
            }
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Optional<Interface> iface(String name) {
        return Optional.ofNullable(interfaces.get(name));
    }

    /** The highest version of a global the guest may bind; empty for a global it must never see. */
    public Optional<Integer> globalCap(String name) {
        return Optional.ofNullable(globals.get(name));
    }

    public Map<String, Integer> globals() {
        return globals;
    }

    public Map<String, Interface> interfaces() {
        return interfaces;
    }

    static Protocols parse(InputStream in) throws IOException {
        Map<String, Interface> interfaces = new LinkedHashMap<>();
        Map<String, Integer> globals = new LinkedHashMap<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String current = null;
        int version = 0;
        List<Message> requests = new ArrayList<>();
        List<Message> events = new ArrayList<>();
        String line;
        int number = 0;
        while ((line = reader.readLine()) != null) {
            number++;
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String[] words = text.split("\\s+");
            try {
                switch (words[0]) {
                    case "global" -> globals.put(words[1], Integer.parseInt(words[2]));
                    case "interface" -> {
                        if (current != null) {
                            interfaces.put(current, new Interface(current, version, requests, events));
                        }
                        current = words[1];
                        version = Integer.parseInt(words[2]);
                        requests = new ArrayList<>();
                        events = new ArrayList<>();
                    }
                    case "request", "event" -> {
                        boolean destructor = words.length > 3 && words[3].equals("destructor");
                        List<Arg> args = Arrays.stream(words, destructor ? 4 : 3, words.length).map(Arg::parse).toList();
                        Message message = new Message(words[1], Integer.parseInt(words[2]), destructor, args);
                        (words[0].equals("request") ? requests : events).add(message);
                    }
                    default -> throw new IllegalArgumentException("unknown item " + words[0]);
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(RESOURCE + ":" + number + ": " + e.getMessage(), e);
            }
        }
        if (current != null) {
            interfaces.put(current, new Interface(current, version, requests, events));
        }
        return new Protocols(interfaces, globals);
    }

    /** The descriptions as the file holds them (the generator writes this; parsing it gives these back). */
    public String render(String header) {
        StringBuilder text = new StringBuilder(header);
        globals.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(global -> text.append("global ").append(global.getKey()).append(' ').append(global.getValue()).append('\n'));
        interfaces.values().stream().sorted(java.util.Comparator.comparing(Interface::name)).forEach(iface -> {
            text.append("\ninterface ").append(iface.name()).append(' ').append(iface.version()).append('\n');
            iface.requests().forEach(message -> render(text, "request", message));
            iface.events().forEach(message -> render(text, "event", message));
        });
        return text.toString();
    }

    private static void render(StringBuilder text, String kind, Message message) {
        text.append(kind).append(' ').append(message.name()).append(' ').append(message.since());
        if (message.destructor()) {
            text.append(" destructor");
        }
        message.args().forEach(arg -> text.append(' ').append(arg.render()));
        text.append('\n');
    }
}
