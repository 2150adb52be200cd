package org.qvm.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads one {@code <vm-dir>/NAME.toml} into a {@link VmDefinition}, filling in the host's defaults. */
final class VmDefinitionParser {
    static final Label DEFAULT_LABEL = Label.RED;
    /** CIDs 0-2 are reserved (hypervisor, local, host) and 0xFFFFFFFF means "any". */
    static final long MIN_CID = 3;
    static final long MAX_CID = 0xFFFF_FFFEL;
    /** virtio-fs limits a tag to 36 bytes. */
    private static final Pattern SHARE_TAG = Pattern.compile("[A-Za-z0-9_.-]{1,36}");

    private VmDefinitionParser() {
    }

    /** With {@code builtTemplates} false, the VM's template need not be built (for qvm-template). */
    static VmDefinition parse(String name, TomlDocument document, HostConfig host, Diagnostics diagnostics,
                              boolean builtTemplates) {
        HostConfig.Defaults defaults = host.defaults();
        TableReader root = TableReader.root(document, diagnostics);
        // Closer is stronger: the VM's own files, then its template, then what the host file gives.
        Optional<String> ownTemplate = HostConfigParser.templateName(root, host.dataDir(), builtTemplates);
        Optional<Path> templateDir = ownTemplate.map(template -> Templates.of(host.dataDir(), template));
        Optional<HostConfig.Hypervisor> ownHypervisor = root.parsed("hypervisor", HostConfigParser::hypervisor);
        HostConfig.Hypervisor hypervisor = ownHypervisor.orElse(host.hypervisor());
        HostConfig.WaylandTransport transport = root.parsed("wayland-transport",
                        text -> HostConfigParser.enumValue(HostConfig.WaylandTransport.class, text))
                .or(() -> host.wayland().transport()).orElse(HostConfig.WaylandTransport.defaultFor(hypervisor));
        VmDefinition vm = new VmDefinition(name, document.file(),
                root.parsed("label", Label::parse).orElse(DEFAULT_LABEL),
                Values.memoryMib(root, "memory").orElse(defaults.memoryMib()),
                Values.cpus(root, "cpus").orElse(defaults.cpus()),
                root.bool("autostart").orElse(false),
                wayland(root, hypervisor, transport, ownHypervisor.isPresent() ? "its hypervisor = \"qemu\""
                        : "hypervisor = \"qemu\" in " + host.file()),
                root.string("kernel-params").orElse(defaults.kernelParams()),
                Values.path(root, "kernel").or(() -> templateDir.map(Templates::kernel)).orElse(defaults.kernel()),
                Values.path(root, "rootfs").or(() -> templateDir.map(Templates::rootImage)).orElse(defaults.rootfs()),
                Values.path(root, "initrd").or(() -> templateDir.map(Templates::initrd)).or(defaults::initrd),
                ownTemplate.or(defaults::template),
                root.integer("cid", MIN_CID, MAX_CID).map(OptionalLong::of).orElse(OptionalLong.empty()),
                privateSize(root, defaults),
                network(root),
                shares(root),
                hypervisor,
                extraArgs(root, "crosvm"),
                extraArgs(root, "qemu"),
                root.parsed("agent", text -> HostConfigParser.enumValue(VmDefinition.Agent.class, text))
                        .orElse(VmDefinition.Agent.QVM),
                transport,
                root.bool("disposable-template").orElse(false),
                Optional.empty());
        root.finish();
        return vm;
    }

    private static Size privateSize(TableReader root, HostConfig.Defaults defaults) {
        Optional<TableReader> table = root.table("private");
        Size size = table.flatMap(t -> PrivateSizes.read(t, "size")).orElse(defaults.privateSize());
        table.ifPresent(TableReader::finish);
        return size;
    }

    /** No {@code [network]} table means no network; a table without {@code enabled} means enabled. */
    private static VmDefinition.Network network(TableReader root) {
        Optional<TableReader> table = root.table("network");
        if (table.isEmpty()) {
            return VmDefinition.Network.NONE;
        }
        TableReader network = table.get();
        boolean enabled = network.bool("enabled").orElse(true);
        Optional<Ipv4Address> address = network.parsed("address", Ipv4Address::parse);
        network.finish();
        if (address.isPresent() && (address.get().value() & 1) == 0) {
            network.error("address", "'network.address' " + address.get() + " is even: a guest takes the odd "
                    + "address of its /31, the host the even one below it (try " + address.get().plus(1) + ")");
            address = Optional.empty();
        }
        return new VmDefinition.Network(enabled, enabled ? address : Optional.empty());
    }

    private static List<VmDefinition.Share> shares(TableReader root) {
        List<VmDefinition.Share> shares = new ArrayList<>();
        Set<String> tags = new HashSet<>();
        for (TableReader share : root.tables("share")) {
            Optional<Path> path = share.parsed("path", VmDefinitionParser::sharePath);
            if (!share.has("path")) {
                share.tableError("a [[share]] needs a 'path'");
            }
            Optional<String> tag = share.parsed("tag", VmDefinitionParser::shareTag);
            boolean readOnly = share.bool("read-only").orElse(false);
            share.finish();
            if (path.isEmpty()) {
                continue;
            }
            String effectiveTag = tag.orElse(path.get().getFileName() == null ? "share" : path.get().getFileName().toString());
            if (tag.isEmpty() && !SHARE_TAG.matcher(effectiveTag).matches()) {
                share.error("path", "'share.path' ends in a name that cannot be a tag; give the share a 'tag'");
                continue;
            }
            if (!tags.add(effectiveTag)) {
                share.error(tag.isPresent() ? "tag" : "path", "'share.tag' \"" + effectiveTag
                        + "\" is used by another share of this VM; each share needs its own tag");
                continue;
            }
            shares.add(new VmDefinition.Share(path.get(), effectiveTag, readOnly));
        }
        return shares;
    }

    /** crosvm's {@code --shared-dir} separates fields with ':' and its options with ','. */
    private static Path sharePath(String text) {
        if (!text.startsWith("/")) {
            throw new IllegalArgumentException("'" + text + "' must be an absolute path");
        }
        if (text.contains(":") || text.contains(",")) {
            throw new IllegalArgumentException("'" + text + "' cannot contain ':' or ',' (crosvm's --shared-dir "
                    + "uses them as separators)");
        }
        return Path.of(text).normalize();
    }

    private static String shareTag(String text) {
        if (!SHARE_TAG.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a tag: 1-36 letters, digits, '_', '.' or '-'");
        }
        return text;
    }

    /**
     * Whether the VM's windows are forwarded: by default on crosvm. On qemu only with waypipe: qemu
     * has no virtwl, so wayland = true with the virtwl transport is an error there.
     */
    private static boolean wayland(TableReader root, HostConfig.Hypervisor hypervisor, HostConfig.WaylandTransport transport,
                                   String whyQemu) {
        Optional<Boolean> wayland = root.bool("wayland");
        if (hypervisor == HostConfig.Hypervisor.QEMU && wayland.orElse(false) && transport == HostConfig.WaylandTransport.VIRTWL) {
            root.error("wayland", "'wayland' = true with the virtwl transport needs crosvm, but this VM runs on qemu (" + whyQemu
                    + "), which has no virtwl: set wayland-transport = \"waypipe\", or hypervisor = \"crosvm\"");
            return false;
        }
        return wayland.orElse(hypervisor == HostConfig.Hypervisor.CROSVM);
    }

    /** A hypervisor's table in a VM file: {@code [crosvm]} or {@code [qemu]}, with extra-args. */
    private static List<String> extraArgs(TableReader root, String hypervisor) {
        Optional<TableReader> table = root.table(hypervisor);
        List<String> args = table.flatMap(t -> t.list("extra-args", arg -> arg)).orElse(List.of());
        table.ifPresent(TableReader::finish);
        return args;
    }
}
