package org.qvm.network;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.qvm.plan.Command;
import org.qvm.plan.CommandFailedException;
import org.qvm.plan.CommandResult;
import org.qvm.plan.CommandRunner;
import org.qvm.plan.KernelSettings;

/**
 * Reads the network's current state into an {@link ObservedNetwork}: the interfaces and the qvm
 * table with read-only commands ({@code ip -j}, {@code nft -j}, whose JSON it parses) or, where the
 * runner's commands run in this process, with the same reads done in it ({@link Rtnetlink},
 * {@link Libnftables}); the kernel's settings from /proc/sys (or with {@code sysctl -n} where the
 * runner runs elsewhere).
 */
public final class NetworkProbe {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CommandRunner runner;

    public NetworkProbe(CommandRunner runner) {
        this.runner = runner;
    }

    /**
     * Reads the interfaces, the qvm table, and the given sysctls.
     *
     * @throws NetworkException if a tool is missing or a read fails for another reason than absence
     */
    public ObservedNetwork observe(List<String> sysctlKeys) {
        Map<String, ObservedNetwork.Link> links = readLinks();
        return new ObservedNetwork(links, readTable(), readSysctls(sysctlKeys, links));
    }

    /**
     * The interfaces: from the kernel in this process (see {@link Rtnetlink}) where the runner's
     * commands run here, else as {@code ip -j -d address show} prints them where they run.
     */
    private Map<String, ObservedNetwork.Link> readLinks() {
        Command list = Command.of("ip", "-j", "-d", "address", "show");
        if (runner.runsHere() && Rtnetlink.available()) {
            try {
                return Rtnetlink.links();
            } catch (java.io.IOException e) {
                throw new NetworkException(list.render() + " (in this process) failed: " + e.getMessage());
            }
        }
        return parseLinks(query(list));
    }

    private String query(Command command) {
        try {
            return runner.check(command).stdout();
        } catch (CommandFailedException e) {
            throw new NetworkException(explain(command, e));
        }
    }

    static String explain(Command command, CommandFailedException e) {
        if (e.programNotFound()) {
            String packageName = command.program().equals("nft") ? "nftables"
                    : command.program().equals("sysctl") ? "procps" : "iproute2";
            return "'" + command.program() + "' is not installed (Debian package " + packageName + "): " + e.getMessage();
        }
        return e.getMessage();
    }

    /**
     * Reads the qvm table alone (empty if there is none).
     *
     * @throws NetworkException if nft is missing or may not be run (not root)
     */
    public Optional<ObservedNetwork.QvmTable> readTable() {
        Command list = Command.of("nft", "-j", "list", "table", NftRuleset.FAMILY, NftRuleset.TABLE);
        CommandResult result;
        try {
            result = runner.runsHere() && Libnftables.available() ? listInProcess(list) : runner.run(list);
        } catch (CommandFailedException e) {
            throw new NetworkException(explain(list, e));
        }
        if (!result.succeeded()) {
            if (result.exitStatus() == 1 && result.stderr().startsWith("Error: No such file or directory")) {
                return Optional.empty();
            }
            throw new NetworkException(explain(list, CommandFailedException.of(result)));
        }
        return Optional.of(parseTable(result.stdout()));
    }

    /** The listing by nftables' library in this process (see {@link Libnftables}), as nft's would be. */
    private static CommandResult listInProcess(Command list) {
        Libnftables.Result listed = Libnftables.run(String.join(" ", list.argv().subList(2, list.argv().size())), true);
        return new CommandResult(list, listed.status(), listed.output(), listed.errors());
    }

    /**
     * The values of the keys whose interface exists: read from /proc/sys in this process when the
     * runner's commands run here (a sysctl process would cost more than the reading), else by
     * {@code sysctl -n} where they run.
     */
    private Map<String, String> readSysctls(List<String> keys, Map<String, ObservedNetwork.Link> links) {
        List<String> present = keys.stream().filter(key -> links.containsKey(Sysctl.interfaceOf(key))).toList();
        Map<String, String> values = new HashMap<>();
        if (present.isEmpty()) {
            return values;
        }
        if (runner.runsHere()) {
            for (String key : present) {
                try {
                    values.put(key, KernelSettings.read(key));
                } catch (java.nio.file.NoSuchFileException e) {
                    // The interface went away since it was listed: as if it had not been there.
                } catch (java.io.IOException e) {
                    throw new NetworkException("cannot read the kernel setting " + key + ": " + e.getMessage());
                }
            }
            return values;
        }
        List<String> argv = new ArrayList<>(List.of("sysctl", "-n"));
        argv.addAll(present);
        String[] lines = query(Command.of(argv)).split("\n");
        for (int i = 0; i < present.size() && i < lines.length; i++) {
            values.put(present.get(i), lines[i].strip());
        }
        return values;
    }

    static Map<String, ObservedNetwork.Link> parseLinks(String json) {
        Map<String, ObservedNetwork.Link> links = new LinkedHashMap<>();
        for (JsonNode link : tree(json)) {
            JsonNode info = link.path("linkinfo");
            JsonNode data = info.path("info_data");
            Optional<ObservedNetwork.Tap> tap = "tun".equals(info.path("info_kind").asText())
                    && "tap".equals(data.path("type").asText())
                    ? Optional.of(new ObservedNetwork.Tap(data.path("vnet_hdr").asBoolean(), data.path("persist").asBoolean(),
                            data.path("multi_queue").asBoolean(), data.path("pi").asBoolean(), data.path("user").asText("")))
                    : Optional.empty();
            List<String> addresses = new ArrayList<>();
            for (JsonNode address : link.path("addr_info")) {
                if ("inet".equals(address.path("family").asText())) {
                    addresses.add(address.path("local").asText() + "/" + address.path("prefixlen").asInt());
                }
            }
            boolean up = false;
            for (JsonNode flag : link.path("flags")) {
                up |= "UP".equals(flag.asText());
            }
            String name = link.path("ifname").asText();
            links.put(name, new ObservedNetwork.Link(name, tap, link.path("ifalias").asText(""), up, addresses));
        }
        return links;
    }

    static ObservedNetwork.QvmTable parseTable(String json) {
        Set<String> chains = new HashSet<>();
        Map<String, Map<String, String>> maps = new HashMap<>();
        Map<String, List<String>> comments = new HashMap<>();
        for (JsonNode item : tree(json).path("nftables")) {
            if (item.has("chain")) {
                chains.add(item.path("chain").path("name").asText());
            } else if (item.has("map")) {
                Map<String, String> elements = new LinkedHashMap<>();
                for (JsonNode element : item.path("map").path("elem")) {
                    JsonNode verdict = element.path(1);
                    String target = verdict.path("jump").path("target").asText(verdict.path("goto").path("target").asText(""));
                    elements.put(element.path(0).asText(), target);
                }
                maps.put(item.path("map").path("name").asText(), elements);
            } else if (item.has("rule")) {
                JsonNode rule = item.path("rule");
                comments.computeIfAbsent(rule.path("chain").asText(), chain -> new ArrayList<>())
                        .add(rule.path("comment").asText(""));
            }
        }
        return new ObservedNetwork.QvmTable(chains, maps, comments);
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new NetworkException("cannot parse the JSON of ip or nft: " + e.getOriginalMessage());
        }
    }
}
