package org.qvm.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads {@code qvm.toml} into a {@link HostConfig}; every problem goes to the diagnostics. */
final class HostConfigParser {
    static final String DEFAULT_STATE_DIR = "/run/qvm";
    static final String DEFAULT_DATA_DIR = "/var/lib/qvm";
    static final int DEFAULT_MEMORY_MIB = 1024;
    static final int DEFAULT_CPUS = 2;
    static final Size DEFAULT_PRIVATE_SIZE = Size.parse("2G");
    static final String DEFAULT_POOL = "10.0.0.0/24";
    static final long DEFAULT_GUEST_PORT = 5000;
    static final long DEFAULT_START_TIMEOUT = 60;
    static final long DEFAULT_ANSWER_TIMEOUT = 10;
    static final long DEFAULT_RPC_PORT = 5001;
    static final long DEFAULT_WAYLAND_PORT = 5002;
    static final String DEFAULT_POLICY_FILE = "/etc/qvm/policy.toml";
    /** The dialog that asks the desktop user about a guest's call (bin/qvm-policy-ask, with zenity). */
    static final String DEFAULT_ASK_COMMAND = "qvm-policy-ask";
    /** The longest socket name kept in a VM's runtime directory. */
    static final String LONGEST_SOCKET = "crosvm.sock";
    /** A UNIX socket path holds at most 107 bytes; {@code <state-dir>/<vm>/crosvm.sock} must fit. */
    static final int MAX_STATE_DIR_LENGTH = 107 - 1 - VmName.MAX_LENGTH - 1 - LONGEST_SOCKET.length();
    private static final Pattern VOLUME_GROUP = Pattern.compile("[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}");

    private HostConfigParser() {
    }

    /** With {@code builtTemplates} false, a {@code [defaults] template} need not be built yet (to build it). */
    static HostConfig parse(TomlDocument document, Diagnostics diagnostics, boolean builtTemplates) {
        Path file = document.file();
        TableReader root = TableReader.root(document, diagnostics);
        Path vmDir = Values.path(root, "vm-dir").orElse(Values.resolve(file, "vms"));
        Path stateDir = Values.path(root, "state-dir").orElse(Path.of(DEFAULT_STATE_DIR));
        if (stateDir.toAbsolutePath().toString().length() > MAX_STATE_DIR_LENGTH) {
            root.error("state-dir", "'state-dir' is longer than " + MAX_STATE_DIR_LENGTH + " bytes: sockets under it "
                    + "(<state-dir>/<vm>/" + LONGEST_SOCKET + ") would pass the 107-byte limit of a UNIX socket path");
        }
        if (stateDir.toString().contains(":") || stateDir.toString().contains(",")) {
            root.error("state-dir", "'state-dir' cannot contain ':' or ',': paths under it go into crosvm's "
                    + "--shared-dir and key=value arguments");
        }
        Path dataDir = Values.path(root, "data-dir").orElse(Path.of(DEFAULT_DATA_DIR));

        HostConfig config = new HostConfig(file, vmDir, stateDir, dataDir,
                root.parsed("hypervisor", HostConfigParser::hypervisor).orElse(HostConfig.Hypervisor.CROSVM),
                crosvm(section(root, "crosvm")),
                qemu(section(root, "qemu")),
                defaults(section(root, "defaults"), dataDir, builtTemplates),
                storage(section(root, "storage"), file),
                network(section(root, "network")),
                guest(section(root, "guest")),
                wayland(section(root, "wayland")),
                policy(section(root, "policy")));
        root.finish();
        return config;
    }

    /** A table of the root; absent reads as an empty table so that its defaults apply. */
    private static TableReader section(TableReader root, String key) {
        return root.table(key).orElseGet(() -> new TableReader(root.document(),
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), root.pathOf(key),
                new Diagnostics()));
    }

    private static HostConfig.Crosvm crosvm(TableReader table) {
        HostConfig.Crosvm crosvm = new HostConfig.Crosvm(
                table.string("binary").filter(b -> nonEmpty(table, "binary", b)).orElse("crosvm"),
                table.list("extra-args", arg -> arg).orElse(List.of()),
                table.parsed("user", Values::userName).orElse("root"));
        table.finish();
        return crosvm;
    }

    private static HostConfig.Qemu qemu(TableReader table) {
        HostConfig.Qemu qemu = new HostConfig.Qemu(
                table.string("binary").filter(b -> nonEmpty(table, "binary", b)).orElse("qemu-system-x86_64"),
                table.parsed("accel", text -> enumValue(HostConfig.Accel.class, text)).orElse(HostConfig.Accel.AUTO),
                table.list("extra-args", arg -> arg).orElse(List.of()));
        table.finish();
        return qemu;
    }

    static HostConfig.Hypervisor hypervisor(String text) {
        return enumValue(HostConfig.Hypervisor.class, text);
    }

    private static HostConfig.Defaults defaults(TableReader table, Path dataDir, boolean builtTemplates) {
        Path base = table.document().file();
        Optional<String> template = templateName(table, dataDir, builtTemplates);
        Optional<Path> templateDir = template.map(name -> Templates.of(dataDir, name));
        HostConfig.Defaults defaults = new HostConfig.Defaults(
                Values.path(table, "kernel").or(() -> templateDir.map(Templates::kernel))
                        .orElse(Values.resolve(base, DEFAULT_DATA_DIR + "/vmlinux")),
                Values.path(table, "rootfs").or(() -> templateDir.map(Templates::rootImage))
                        .orElse(Values.resolve(base, DEFAULT_DATA_DIR + "/rootfs.squashfs")),
                Values.path(table, "initrd").or(() -> templateDir.map(Templates::initrd)),
                template,
                Values.memoryMib(table, "memory").orElse(DEFAULT_MEMORY_MIB),
                Values.cpus(table, "cpus").orElse(DEFAULT_CPUS),
                table.string("kernel-params").orElse(""),
                PrivateSizes.read(table, "private-size").orElse(DEFAULT_PRIVATE_SIZE),
                table.string("dispvm"));
        table.finish();
        return defaults;
    }

    /** A {@code template} key: a valid name of a template (that is built, if it must be), or an error at the key. */
    static Optional<String> templateName(TableReader table, Path dataDir, boolean mustBeBuilt) {
        Optional<String> name = table.parsed("template", text -> {
            String problem = Templates.nameProblem(text);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            return text;
        });
        if (mustBeBuilt && name.isPresent() && !Templates.exists(dataDir, name.get())) {
            table.error("template", "'template' \"" + name.get() + "\" is not built (no "
                    + Templates.manifest(Templates.of(dataDir, name.get())) + "): build it with qvm-template build "
                    + name.get() + ", or see qvm-template list");
            return Optional.empty();
        }
        return name;
    }

    private static HostConfig.Storage storage(TableReader table, Path file) {
        HostConfig.Storage storage = new HostConfig.Storage(
                table.parsed("pool", HostConfigParser::pool).orElse(HostConfig.StoragePool.LVM),
                table.parsed("volume-group", HostConfigParser::volumeGroup).orElse("qubes"),
                Values.path(table, "dir").orElse(Values.resolve(file, DEFAULT_DATA_DIR + "/volumes")));
        table.finish();
        return storage;
    }

    private static HostConfig.Network network(TableReader table) {
        HostConfig.Network network = new HostConfig.Network(
                table.parsed("uplink", Values::interfaceName),
                table.parsed("pool", HostConfigParser::pool4).orElse(Ipv4Network.parse(DEFAULT_POOL)),
                table.list("dns", Ipv4Address::parse).orElse(List.of()));
        table.finish();
        return network;
    }

    private static HostConfig.Guest guest(TableReader table) {
        HostConfig.Guest guest = new HostConfig.Guest(
                table.parsed("transport", text -> enumValue(HostConfig.GuestTransport.class, text))
                        .orElse(HostConfig.GuestTransport.VSOCK),
                table.integer("port", 1, 0xFFFF_FFFEL).orElse(DEFAULT_GUEST_PORT),
                java.time.Duration.ofSeconds(table.integer("start-timeout", 1, 3600).orElse(DEFAULT_START_TIMEOUT)),
                java.time.Duration.ofSeconds(table.integer("answer-timeout", 1, 600).orElse(DEFAULT_ANSWER_TIMEOUT)),
                table.integer("rpc-port", 1, 0xFFFF_FFFEL).orElse(DEFAULT_RPC_PORT),
                table.integer("wayland-port", 1, 0xFFFF_FFFEL).orElse(DEFAULT_WAYLAND_PORT));
        table.finish();
        if (guest.waylandPort() == guest.rpcPort() || guest.waylandPort() == guest.port()) {
            table.error("wayland-port", "'" + table.name("wayland-port") + "' must differ from port and rpc-port");
        }
        return guest;
    }

    private static HostConfig.PolicySettings policy(TableReader table) {
        HostConfig.PolicySettings policy = new HostConfig.PolicySettings(
                Values.path(table, "file").orElse(Path.of(DEFAULT_POLICY_FILE)),
                table.list("ask-command", arg -> arg).filter(args -> !args.isEmpty() || nonEmptyList(table, "ask-command"))
                        .orElse(List.of(DEFAULT_ASK_COMMAND)));
        table.finish();
        return policy;
    }

    private static boolean nonEmptyList(TableReader table, String key) {
        table.error(key, "'" + table.name(key) + "' cannot be empty: it is the command that asks the user");
        return false;
    }

    private static HostConfig.Wayland wayland(TableReader table) {
        Optional<String> socket = table.string("socket").filter(text -> !text.isEmpty());
        HostConfig.Wayland wayland = new HostConfig.Wayland(
                socket.map(text -> Values.resolve(table.document().file(), text)),
                table.parsed("transport", text -> enumValue(HostConfig.WaylandTransport.class, text)));
        table.finish();
        return wayland;
    }

    private static boolean nonEmpty(TableReader table, String key, String value) {
        if (value.isEmpty()) {
            table.error(key, "'" + table.name(key) + "' cannot be empty");
            return false;
        }
        return true;
    }

    private static HostConfig.StoragePool pool(String text) {
        return enumValue(HostConfig.StoragePool.class, text);
    }

    private static Ipv4Network pool4(String text) {
        Ipv4Network pool = Ipv4Network.parse(text);
        if (pool.prefixLength() > 29) {
            throw new IllegalArgumentException("'" + text + "' is too small: the pool needs at least a /29, since "
                    + "each VM takes a /31 and the first and last pairs are not used");
        }
        return pool;
    }

    private static String volumeGroup(String text) {
        if (!VOLUME_GROUP.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an LVM volume group name (letters, digits and "
                    + "+_.- only, not starting with '-')");
        }
        return text;
    }

    static <E extends Enum<E>> E enumValue(Class<E> type, String text) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().toLowerCase(Locale.ROOT).equals(text)) {
                return constant;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (E constant : type.getEnumConstants()) {
            allowed.append(allowed.isEmpty() ? "" : " or ").append('"').append(constant.name().toLowerCase(Locale.ROOT)).append('"');
        }
        throw new IllegalArgumentException("'" + text + "' is not one of " + allowed);
    }
}
