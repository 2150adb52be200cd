package org.qvm.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The host's policy for calls that guests make (Qubes' qrexec policy, in TOML): ordered rules of
 * service, source, target and action; the first rule that matches decides, and a call no rule
 * matches is denied. A VM never targets itself, nor the host. {@link #decide} is pure.
 *
 * @param file  where the rules came from (for messages); empty for the built-in default
 */
public record Policy(Optional<Path> file, List<Rule> rules) {
    /** What a target of "ask me" is called in a call and in a rule. */
    public static final String ASK_ME = "@default";
    /**
     * A new disposable VM, as a target: {@code @dispvm:TEMPLATE} in a call (qvmd makes {@code
     * @dispvm} that of the default template before deciding); in a rule, {@code @dispvm} matches a
     * new disposable of any template.
     */
    public static final String DISPOSABLE = "@dispvm";
    /** Any service, source or target, in a rule. */
    public static final String ANY = "*";
    /** A service name: Qubes' spelling, {@code qubes.Filecopy}. */
    static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** The services a guest may ask the user for out of the box: file copies and opening files and URLs. */
    public static final List<String> ASKED_BY_DEFAULT = List.of("qubes.Filecopy", "qubes.OpenInVM", "qubes.OpenURL",
            "qubes.OpenInDVM");

    public Policy {
        rules = List.copyOf(rules);
    }

    /** The target of a new disposable of {@code template}: {@code @dispvm:TEMPLATE}. */
    public static String disposableOf(String template) {
        return DISPOSABLE + ":" + template;
    }

    /** The template of a new-disposable target ({@code @dispvm:TEMPLATE}); empty for any other target. */
    public static Optional<String> templateOfDisposable(String target) {
        String prefix = DISPOSABLE + ":";
        return target.startsWith(prefix) && target.length() > prefix.length()
                ? Optional.of(target.substring(prefix.length())) : Optional.empty();
    }

    /** The policy when there is no policy file: ask for {@link #ASKED_BY_DEFAULT}, deny the rest. */
    public static Policy builtIn() {
        List<Rule> rules = new ArrayList<>();
        for (String service : ASKED_BY_DEFAULT) {
            rules.add(new Rule(service, ANY, ANY, Action.ASK, Optional.empty(), "the built-in default policy"));
        }
        return new Policy(Optional.empty(), rules);
    }

    public enum Action { ALLOW, DENY, ASK }

    /**
     * One rule.
     *
     * @param defaultTarget for {@code ask}: the VM the dialog offers first; for {@code allow} of a
     *                      call that asks to choose ({@value #ASK_ME}): the VM it goes to
     * @param where         where it was written, for the log: {@code FILE:LINE}
     */
    public record Rule(String service, String source, String target, Action action, Optional<String> defaultTarget,
                       String where) {
        boolean matches(String callService, String callSource, String callTarget) {
            return (service.equals(ANY) || service.equals(callService)) && (source.equals(ANY) || source.equals(callSource))
                    && (target.equals(ANY) || target.equals(callTarget)
                    || target.equals(DISPOSABLE) && templateOfDisposable(callTarget).isPresent());
        }
    }

    /** What the policy says about one call. */
    public sealed interface Decision permits Allow, Deny, Ask {
        /** Why, for the log: the rule that decided, or that none did. */
        String why();
    }

    /** Go ahead, to this target. */
    public record Allow(String target, String why) implements Decision {
    }

    /** Refused; {@code reason} is what the calling guest is told. */
    public record Deny(String reason, String why) implements Decision {
    }

    /** Ask the user: to which of the candidates (one, for a call that named its target), if at all. */
    public record Ask(List<String> candidates, Optional<String> defaultTarget, String why) implements Decision {
        public Ask {
            candidates = List.copyOf(candidates);
        }
    }

    /**
     * Decides a call of {@code service} from the VM {@code source} to {@code target} (a VM's name, or
     * {@value #ASK_ME}), among the VMs {@code vms}.
     */
    public Decision decide(String service, String source, String target, Collection<String> vms) {
        if (target.equals(source)) {
            return new Deny("a VM cannot call itself", "source is target");
        }
        if (VmName.RESERVED.contains(target)) {
            return new Deny("the host is never a target", "the host is no VM");
        }
        Optional<String> template = templateOfDisposable(target);
        if (template.isPresent() ? !vms.contains(template.get()) : !target.equals(ASK_ME) && !vms.contains(target)) {
            return new Deny("there is no VM named " + template.orElse(target), "no such target");
        }
        for (Rule rule : rules) {
            if (!rule.matches(service, source, target)) {
                continue;
            }
            String why = "rule at " + rule.where();
            return switch (rule.action()) {
                case DENY -> new Deny(service + " from " + source + " to " + target + " is denied by the policy", why);
                case ALLOW -> !target.equals(ASK_ME) ? new Allow(target, why)
                        : rule.defaultTarget().filter(vms::contains).filter(vm -> !vm.equals(source))
                                .<Decision>map(vm -> new Allow(vm, why))
                                .orElseGet(() -> new Deny("the policy allows " + service + " from " + source
                                        + " but names no VM for a call that leaves the choice to it", why));
                case ASK -> ask(rule, service, source, target, vms, why);
            };
        }
        return new Deny(service + " from " + source + " to " + target + " is not allowed by the policy",
                "no rule matched (default deny)");
    }

    private Decision ask(Rule rule, String service, String source, String target, Collection<String> vms, String why) {
        if (!target.equals(ASK_ME)) {
            return new Ask(List.of(target), Optional.of(target), why);
        }
        // The VMs the user may pick: those a call naming them would not be denied for.
        List<String> candidates = vms.stream().filter(vm -> !vm.equals(source)).sorted()
                .filter(vm -> !(decide(service, source, vm, vms) instanceof Deny)).toList();
        if (candidates.isEmpty()) {
            return new Deny("the policy allows " + service + " from " + source + " to no VM", why);
        }
        return new Ask(candidates, rule.defaultTarget().filter(candidates::contains), why);
    }
}
