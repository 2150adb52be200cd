package org.qvm.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.qvm.config.PointToPointLink;
import org.qvm.config.Suggestion;
import org.qvm.config.VmDefinition;

/**
 * The columns qvm-ls can show. A value is a String, a Long, a Boolean, an address (so that
 * addresses sort in address order), or null for "nothing" (printed as {@code -}).
 */
enum VmField {
    NAME(row -> row.vm().name()),
    STATE(row -> row.state().displayName()),
    LABEL(row -> definition(row).label().id()),
    MEMORY(row -> (long) definition(row).memoryMib()),
    CPUS(row -> (long) definition(row).cpus()),
    IP(row -> row.vm().link().map(PointToPointLink::guest).orElse(null)),
    GATEWAY(row -> row.vm().link().map(PointToPointLink::host).orElse(null)),
    CID(row -> row.vm().cid()),
    AUTOSTART(row -> definition(row).autostart()),
    WAYLAND(row -> definition(row).wayland()),
    /** A disposable VM's disposable template (what it is a disposable of); empty for others. */
    DISPOSABLE(row -> definition(row).disposableOf().orElse(null)),
    PRIVATE_SIZE(row -> definition(row).privateSize().toString()),
    SHARES(row -> definition(row).shares().isEmpty() ? null
            : String.join(",", definition(row).shares().stream().map(VmDefinition.Share::tag).toList())),
    /** Whether a running VM's network rules are in place: ok, missing (it is not isolated), ? (not readable here). */
    RULES(VmRow::rules),
    TEMPLATE(row -> definition(row).template().orElse(null)),
    KERNEL(row -> definition(row).kernel().toString()),
    ROOTFS(row -> definition(row).rootfs().toString());

    /** What qvm-ls shows without --fields. */
    static final List<VmField> DEFAULT = List.of(NAME, STATE, LABEL, MEMORY, CPUS, IP, CID);

    private final Function<VmRow, Object> value;

    VmField(Function<VmRow, Object> value) {
        this.value = value;
    }

    private static VmDefinition definition(VmRow row) {
        return row.vm().definition();
    }

    /** The name used in --fields and --sort, and as the JSON key: "name", "private-size". */
    String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The table heading: "NAME", "PRIVATE-SIZE". */
    String heading() {
        return id().toUpperCase(Locale.ROOT);
    }

    Object valueOf(VmRow row) {
        return value.apply(row);
    }

    static String allIds() {
        return String.join(", ", Arrays.stream(values()).map(VmField::id).toList());
    }

    /** The field with this name (any case, '_' or '-'), or a usage error with a suggestion. */
    static VmField parse(String text) {
        String id = text.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (VmField field : values()) {
            if (field.id().equals(id)) {
                return field;
            }
        }
        Optional<String> hint = Suggestion.closest(id, Arrays.stream(values()).map(VmField::id).toList());
        throw new UsageException("unknown field '" + text + "'" + hint.map(h -> " (did you mean '" + h + "'?)").orElse("")
                + "; fields are " + allIds());
    }
}
