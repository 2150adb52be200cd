package org.qvm.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Reads the policy file: {@code [[rule]]} tables, checked against the VMs that exist. */
final class PolicyParser {
    private PolicyParser() {
    }

    static Policy parse(TomlDocument document, Collection<String> vms, Diagnostics diagnostics) {
        TableReader root = TableReader.root(document, diagnostics);
        List<Policy.Rule> rules = new ArrayList<>();
        for (TableReader table : root.tables("rule")) {
            rule(table, vms).ifPresent(rules::add);
        }
        root.finish();
        return new Policy(Optional.of(document.file()), rules);
    }

    private static Optional<Policy.Rule> rule(TableReader table, Collection<String> vms) {
        Optional<String> service = required(table, "service", table.parsed("service", text -> {
            if (!text.equals(Policy.ANY) && !Policy.SERVICE.matcher(text).matches()) {
                throw new IllegalArgumentException("'" + text + "' is not a service name (such as qubes.Filecopy) or \"*\"");
            }
            return text;
        }));
        Optional<String> source = required(table, "source", table.parsed("source", text -> vm(text, vms, true, false)));
        Optional<String> target = required(table, "target", table.parsed("target", text -> vm(text, vms, true, true)));
        Optional<Policy.Action> action = required(table, "action",
                table.parsed("action", text -> HostConfigParser.enumValue(Policy.Action.class, text)));
        Optional<String> defaultTarget = table.parsed("default-target", text -> vm(text, vms, false, false));
        table.finish();
        if (service.isEmpty() || source.isEmpty() || target.isEmpty() || action.isEmpty()) {
            return Optional.empty();
        }
        if (defaultTarget.isPresent() && action.get() == Policy.Action.DENY) {
            table.error("default-target", "'" + table.name("default-target") + "' means nothing for action = \"deny\"");
            return Optional.empty();
        }
        if (action.get() == Policy.Action.ALLOW && target.get().equals(Policy.ASK_ME) && defaultTarget.isEmpty()) {
            table.error("action", "'" + table.name("action") + "' = \"allow\" for target = \"@default\" needs a "
                    + "default-target: the VM such calls go to");
            return Optional.empty();
        }
        return Optional.of(new Policy.Rule(service.get(), source.get(), target.get(), action.get(), defaultTarget,
                table.document().file() + ":" + table.line()));
    }

    private static <T> Optional<T> required(TableReader table, String key, Optional<T> value) {
        if (value.isEmpty() && !table.has(key)) {
            table.tableError("a rule needs '" + key + "'");
        }
        return value;
    }

    /** A VM that exists, or, where allowed, "*" (any) and "@default" (the calling VM lets the user choose). */
    private static String vm(String text, Collection<String> vms, boolean any, boolean askMe) {
        if (any && text.equals(Policy.ANY) || askMe && text.equals(Policy.ASK_ME) || vms.contains(text)) {
            return text;
        }
        if (askMe && (text.equals(Policy.DISPOSABLE) || Policy.templateOfDisposable(text).filter(vms::contains).isPresent())) {
            return text;
        }
        String hint = Suggestion.closest(text, vms).map(vm -> " (did you mean '" + vm + "'?)").orElse("");
        String allowed = any ? (askMe ? "a VM, \"*\", \"@default\", \"@dispvm\" or \"@dispvm:TEMPLATE\"" : "a VM or \"*\"") : "a VM";
        throw new IllegalArgumentException("there is no VM named '" + text + "'" + hint + " (this takes " + allowed + ")");
    }
}
