package org.qvm.network;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.qvm.config.HostConfig;
import org.qvm.config.PointToPointLink;
import org.qvm.plan.Action;
import org.qvm.plan.Command;

/**
 * The nftables commands of the suite's one table, {@code inet qvm}. It touches no other table.
 *
 * <pre>
 * table inet qvm {
 *   map vm_from  { type ifname : verdict }   # tap -> the VM's chain for traffic it sends on
 *   map vm_to    { type ifname : verdict }   # tap -> the VM's chain for traffic sent to it
 *   map vm_input { type ifname : verdict }   # tap -> the VM's chain for traffic to the host
 *   chain forward     { type filter hook forward priority filter; policy accept;
 *                       iifname vmap @vm_from; oifname vmap @vm_to }
 *   chain input       { type filter hook input priority filter; policy accept;
 *                       iifname vmap @vm_input }
 *   chain postrouting { type nat hook postrouting priority srcnat; policy accept;
 *                       ip saddr POOL oifname UPLINK masquerade }
 *   chain vm-NAME-from  { ip saddr GUEST oifname UPLINK accept; drop }
 *   chain vm-NAME-to    { iifname UPLINK ip daddr GUEST ct state established,related accept; drop }
 *   chain vm-NAME-input { ip saddr != GUEST drop;
 *                         ct state established,related ct original ip daddr GUEST accept;
 *                         [ip daddr HOST udp/tcp dport 53 accept, when the host serves DNS];
 *                         [ip daddr HOST tcp dport { RPC, WAYLAND } accept, with [guest] transport = "tcp": qvmd];
 *                         drop }
 * }
 * </pre>
 *
 * The policy: a VM may send to the uplink, from its own address only, and gets the replies; it
 * can reach no other VM (their traffic would leave through another tap, not the uplink) and no
 * other host interface; of the host itself it reaches only replies to connections the host made
 * and, if the host serves DNS, port 53 on its gateway address (with the TCP transport, also qvmd's
 * port there, for the calls it makes). Nothing from outside reaches a VM
 * unless it answers the VM. Whatever a VM sends must carry its own address: a forged source (another
 * VM's, the uplink's, a server's the host talks to) is dropped, to the host as on the way out; and
 * of the host's connections, only those it made to this VM let packets (or ICMP errors) back in,
 * so a VM cannot inject a reply or an error into a flow the host has open elsewhere. Traffic that does not touch a qvm tap is not looked at (the base
 * chains accept), so the host's own firewall keeps deciding about it.
 *
 * Each VM's pieces are its three chains and its three map entries, so one VM's network is added
 * and removed without touching another's, each time in one transaction ({@link #transaction}). Rule comments carry a checksum of what was set up, so
 * that applying an unchanged configuration again finds nothing to do.
 */
final class NftRuleset {
    static final String FAMILY = "inet";
    static final String TABLE = "qvm";
    static final String FROM = "vm_from";
    static final String TO = "vm_to";
    static final String INPUT = "vm_input";
    /** The maps, in the order of {@link #vmChains}: each VM chain is entered from the map at its position. */
    static final List<String> MAPS = List.of(FROM, TO, INPUT);
    static final List<String> BASE_CHAINS = List.of("forward", "input", "postrouting");

    private NftRuleset() {
    }

    static Command nft(String... words) {
        List<String> argv = new ArrayList<>(List.of("nft"));
        argv.addAll(List.of(words));
        return Command.of(argv);
    }

    static String quoted(String text) {
        return "\"" + text + "\"";
    }

    /**
     * These {@code nft} commands as one transaction, {@code nft -f -} with them as its script: the
     * kernel applies all of them or none, and one process runs instead of one per rule.
     */
    static Command transaction(List<Command> commands) {
        StringBuilder script = new StringBuilder();
        for (Command command : commands) {
            if (!command.program().equals("nft")) {
                throw new IllegalArgumentException("not an nft command: " + command.render());
            }
            script.append(String.join(" ", command.argv().subList(1, command.argv().size()))).append('\n');
        }
        return nft("-f", "-").withStdin(script.toString());
    }

    /**
     * An nft command (a {@link #transaction} or one command) as a plan's step: done by nftables'
     * library in this process where it can be (see {@link InProcessNft}), else by nft.
     */
    static Action step(Command nft) {
        return new InProcessNft(nft);
    }

    static Command addTable() {
        return nft("add", "table", FAMILY, TABLE);
    }

    static Command deleteTable() {
        return nft("delete", "table", FAMILY, TABLE);
    }

    /** The maps, base chains and base rules; the masquerade rule is last and carries the comment. */
    static List<Command> base(HostConfig.Network network, String uplinkForwardingWas) {
        List<Command> commands = baseWithoutComment(network);
        String comment = BaseComment.format(baseChecksum(network), network.uplink().orElseThrow(), uplinkForwardingWas);
        commands.set(commands.size() - 1, masquerade(network, " comment " + quoted(comment)));
        return commands;
    }

    private static List<Command> baseWithoutComment(HostConfig.Network network) {
        List<Command> commands = new ArrayList<>();
        for (String map : MAPS) {
            commands.add(nft("add", "map", FAMILY, TABLE, map, "{ type ifname : verdict ; }"));
        }
        commands.add(nft("add", "chain", FAMILY, TABLE, "forward",
                "{ type filter hook forward priority filter ; policy accept ; }"));
        commands.add(nft("add", "rule", FAMILY, TABLE, "forward", "iifname vmap @" + FROM));
        commands.add(nft("add", "rule", FAMILY, TABLE, "forward", "oifname vmap @" + TO));
        commands.add(nft("add", "chain", FAMILY, TABLE, "input",
                "{ type filter hook input priority filter ; policy accept ; }"));
        commands.add(nft("add", "rule", FAMILY, TABLE, "input", "iifname vmap @" + INPUT));
        commands.add(nft("add", "chain", FAMILY, TABLE, "postrouting",
                "{ type nat hook postrouting priority srcnat ; policy accept ; }"));
        commands.add(masquerade(network, ""));
        return commands;
    }

    private static Command masquerade(HostConfig.Network network, String suffix) {
        return nft("add", "rule", FAMILY, TABLE, "postrouting", "ip saddr " + network.pool() + " oifname "
                + quoted(network.uplink().orElseThrow()) + " masquerade" + suffix);
    }

    static String baseChecksum(HostConfig.Network network) {
        return checksum(baseWithoutComment(network));
    }

    static String chain(String vmName, String role) {
        return "vm-" + vmName + "-" + role;
    }

    static List<String> vmChains(String vmName) {
        return List.of(chain(vmName, "from"), chain(vmName, "to"), chain(vmName, "input"));
    }

    /** The VM's chains with their rules (the first rule carries the checksum), in creation order. */
    static List<Command> vmChainsAndRules(String vmName, HostConfig host, PointToPointLink link) {
        List<Command> commands = vmWithoutComment(vmName, host, link);
        String comment = vmComment(vmName, checksum(commands));
        Command first = commands.get(1);
        List<String> argv = new ArrayList<>(first.argv());
        argv.set(argv.size() - 1, argv.get(argv.size() - 1) + " comment " + quoted(comment));
        commands.set(1, Command.of(argv));
        return commands;
    }

    static String vmComment(String vmName, String checksum) {
        return "qvm vm=" + vmName + " sum=" + checksum;
    }

    static String vmChecksum(String vmName, HostConfig host, PointToPointLink link) {
        return checksum(vmWithoutComment(vmName, host, link));
    }

    private static List<Command> vmWithoutComment(String vmName, HostConfig host, PointToPointLink link) {
        HostConfig.Network network = host.network();
        String uplink = quoted(network.uplink().orElseThrow());
        String from = chain(vmName, "from");
        String to = chain(vmName, "to");
        String input = chain(vmName, "input");
        List<Command> commands = new ArrayList<>();
        commands.add(nft("add", "chain", FAMILY, TABLE, from));
        commands.add(nft("add", "rule", FAMILY, TABLE, from, "ip saddr " + link.guest() + " oifname " + uplink + " accept"));
        commands.add(nft("add", "rule", FAMILY, TABLE, from, "drop"));
        commands.add(nft("add", "chain", FAMILY, TABLE, to));
        commands.add(nft("add", "rule", FAMILY, TABLE, to, "iifname " + uplink + " ip daddr " + link.guest()
                + " ct state established,related accept"));
        commands.add(nft("add", "rule", FAMILY, TABLE, to, "drop"));
        commands.add(nft("add", "chain", FAMILY, TABLE, input));
        commands.add(nft("add", "rule", FAMILY, TABLE, input, "ip saddr != " + link.guest() + " drop"));
        commands.add(nft("add", "rule", FAMILY, TABLE, input, "ct state established,related ct original ip daddr "
                + link.guest() + " accept"));
        if (GuestAddressing.hostServesDns(network)) {
            for (String protocol : List.of("udp", "tcp")) {
                commands.add(nft("add", "rule", FAMILY, TABLE, input, "ip daddr " + link.host() + " " + protocol
                        + " dport 53 accept"));
            }
        }
        if (host.guest().transport() == HostConfig.GuestTransport.TCP) {
            // Calls the guest makes to qvmd, and its windows' streams (waypipe), on its own gateway address only.
            commands.add(nft("add", "rule", FAMILY, TABLE, input, "ip daddr " + link.host() + " tcp dport { "
                    + host.guest().rpcPort() + ", " + host.guest().waylandPort() + " } accept"));
        }
        commands.add(nft("add", "rule", FAMILY, TABLE, input, "drop"));
        return commands;
    }

    static Command addElement(String map, String tap, String chain) {
        return nft("add", "element", FAMILY, TABLE, map, "{ " + quoted(tap) + " : jump " + chain + " }");
    }

    static Command deleteElement(String map, String tap) {
        return nft("delete", "element", FAMILY, TABLE, map, "{ " + quoted(tap) + " }");
    }

    static Command deleteChain(String chain) {
        return nft("delete", "chain", FAMILY, TABLE, chain);
    }

    static String checksum(List<Command> commands) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Command command : commands) {
                digest.update(command.render().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) '\n');
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
