package org.qvm.qvmd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.qvm.config.ConfigException;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Policy;
import org.qvm.config.Vm;
import org.qvm.config.VmDefinition;
import org.qvm.guest.Deadline;
import org.qvm.guest.UntrustedText;
import org.qvm.guest.client.GuestException;
import org.qvm.guest.protocol.CallRequest;
import org.qvm.guest.protocol.FrameReader;
import org.qvm.guest.protocol.FrameType;
import org.qvm.guest.protocol.FrameWriter;
import org.qvm.guest.protocol.Payloads;
import org.qvm.guest.protocol.Protocol;
import org.qvm.guest.protocol.ProtocolException;
import org.qvm.guest.transport.GuestSocket;
import org.qvm.lifecycle.Lifecycle;
import org.qvm.lifecycle.LifecycleException;
import org.qvm.lifecycle.VmState;
import org.qvm.plan.CommandRunner;

/**
 * One call from a guest: who calls is what the channel says ({@code source}), never what the
 * guest says. Reads the call (bounded), reads the configuration and the policy afresh, decides,
 * asks the user where the policy says so, starts a halted target, answers ACCEPTED or ERROR, and
 * relays the service ({@link Services}) to the target's agent: a copy, which it unpacks into
 * {@code ~/QubesIncoming/<source>/}; a file to open, likewise, then opened; a URL to open. Every
 * call and decision is logged.
 */
final class CallHandler {
    private final Path configPath;
    private final CommandRunner runner;
    private final Map<String, String> environment;
    private final Asker asker;
    private final Consumer<String> log;
    private final DisposableOpen disposables;

    CallHandler(Path configPath, CommandRunner runner, Map<String, String> environment, Asker asker, Consumer<String> log) {
        this.configPath = configPath;
        this.runner = runner;
        this.environment = Map.copyOf(environment);
        this.asker = asker;
        this.log = log;
        this.disposables = new DisposableOpen(log);
    }

    /** Removes the disposables that calls opened and that are still open (qvmd stops). */
    void closeDisposables() {
        disposables.closeAll();
    }

    /** A refusal: the status and message the calling guest gets. */
    private static final class Refused extends Exception {
        final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    void serve(GuestSocket socket, String source, Duration answerTimeout) {
        FrameWriter out = new FrameWriter(socket.output());
        FrameReader in = new FrameReader(socket.input());
        try (socket) {
            CallRequest call;
            try {
                socket.bound(Deadline.in(answerTimeout).nanoTime(), null);
                if (Payloads.u16(in.expect(FrameType.HELLO).payload()) != Protocol.VERSION) {
                    throw new ProtocolException("protocol version not supported");
                }
                out.write(FrameType.HELLO, Payloads.u16(Protocol.VERSION));
                call = CallRequest.decode(in.expect(FrameType.CALL).payload());
            } catch (IOException e) {
                log.accept("call from " + source + ": broken off before the call (" + UntrustedText.forDisplay(
                        String.valueOf(e.getMessage())) + ")");
                return;
            }
            String service = UntrustedText.forDisplay(call.service());
            String asked = UntrustedText.forDisplay(call.target());
            try {
                Accepted accepted = decide(source, call);
                log.accept("call from " + source + ": " + service + " to " + asked + ": allowed to " + accepted.target().name()
                        + " (" + accepted.why() + ")");
                GuestSocket target;
                try {
                    target = accepted.lifecycle().guestClient(accepted.target())
                            .handOver(accepted.service().request(call.args()), accepted.service().payload(source, call.args()));
                } catch (GuestException e) {
                    accepted.disposable().ifPresent(disposable -> disposables.remove(disposable, "whose agent did not answer"));
                    throw e;
                }
                out.write(FrameType.ACCEPTED, accepted.target().name().getBytes(StandardCharsets.UTF_8));
                if (accepted.disposable().isPresent()) {
                    disposables.serve(socket, target, accepted.service().carriesUrl(call.args()),
                            accepted.lifecycle().guestLimits().stall(), accepted.disposable().get(), source);
                    return;
                }
                long bytes = Relay.relay(socket, target, accepted.lifecycle().guestLimits().stall());
                log.accept("call from " + source + ": " + service + " to " + accepted.target().name() + ": " + bytes
                        + " bytes relayed");
            } catch (Refused refused) {
                log.accept("call from " + source + ": " + service + " to " + asked + ": refused: " + refused.getMessage());
                out.write(FrameType.ERROR, Payloads.error(refused.status, refused.getMessage()));
            } catch (GuestException e) {
                log.accept("call from " + source + ": " + service + " to " + asked + ": the target failed: " + e.getMessage());
                out.write(FrameType.ERROR, Payloads.error(Protocol.STATUS_TRANSPORT, "the target VM did not take it: "
                        + e.getMessage()));
            }
        } catch (IOException e) {
            log.accept("call from " + source + ": the connection broke (" + e.getMessage() + ")");
        }
    }

    /** Where the call goes: a VM, or a new disposable made for it, which is removed when done with. */
    private record Accepted(Services service, Vm target, Lifecycle lifecycle, String why,
                            Optional<org.qvm.lifecycle.DisposableVm> disposable) {
    }

    /**
     * The target a call asks for, as the policy sees it: a new disposable's ({@code @dispvm}) is
     * that of a named disposable template, {@code @dispvm:TEMPLATE}; only qubes.OpenInDVM has one,
     * and it has no other.
     */
    private static String targetOf(Services service, CallRequest call, Configuration configuration) throws Refused {
        String target = call.target();
        boolean disposable = target.equals(Policy.DISPOSABLE) || Policy.templateOfDisposable(target).isPresent();
        if (!service.opensDisposable()) {
            if (disposable) {
                throw new Refused(Protocol.STATUS_REFUSED, UntrustedText.forDisplay(call.service())
                        + " does not go to a new disposable VM");
            }
            return target;
        }
        if (!disposable) {
            throw new Refused(Protocol.STATUS_REFUSED, call.service() + " goes to a new disposable VM: its target is "
                    + Policy.DISPOSABLE + " or " + Policy.DISPOSABLE + ":TEMPLATE");
        }
        String template = Policy.templateOfDisposable(target).or(() -> configuration.host().defaults().dispvm())
                .orElseThrow(() -> new Refused(Protocol.STATUS_REFUSED, "the host has no default disposable template"));
        if (configuration.find(template).filter(vm -> vm.definition().disposableTemplate()).isEmpty()) {
            throw new Refused(Protocol.STATUS_REFUSED, UntrustedText.forDisplay(template) + " is not a disposable template");
        }
        return Policy.disposableOf(template);
    }

    /** The policy's word on the call, the user's where it asks; a target that is halted is started. */
    private Accepted decide(String source, CallRequest call) throws Refused {
        Configuration configuration;
        Policy policy;
        try {
            ConfigLoader loader = new ConfigLoader();
            configuration = loader.load(configPath, ConfigLoader.Recording.NEVER);
            policy = loader.loadPolicy(configuration);
        } catch (ConfigException e) {
            throw new Refused(Protocol.STATUS_TRANSPORT, "the host's configuration has errors; ask its owner");
        }
        Services service = Services.named(call.service()).orElseThrow(() -> new Refused(Protocol.STATUS_REFUSED,
                "the host offers no service " + UntrustedText.forDisplay(call.service())));
        Optional<String> problem = service.problemWith(call.args());
        if (problem.isPresent()) {
            throw new Refused(Protocol.STATUS_REFUSED, problem.get());
        }
        String asked = targetOf(service, call, configuration);
        if (service.opensDisposable() && disposables.full(source)) {
            throw new Refused(Protocol.STATUS_REFUSED, source + " has " + DisposableOpen.PER_VM
                    + " disposables open already; close one first");
        }
        Policy.Decision decision = policy.decide(call.service(), source, asked, configuration.names());
        String target;
        String why = decision.why();
        if (decision instanceof Policy.Deny deny) {
            throw new Refused(Protocol.STATUS_REFUSED, deny.reason());
        } else if (decision instanceof Policy.Allow allow) {
            target = allow.target();
        } else {
            Asker.Answer answer = asker.ask(configuration.host().policy().askCommand(), source, call.service(),
                    (Policy.Ask) decision);
            target = answer.target().orElseThrow(() -> new Refused(Protocol.STATUS_REFUSED, answer.why()));
            why = why + "; " + answer.why();
        }
        Optional<String> template = Policy.templateOfDisposable(target);
        if (template.isPresent()) {
            return inNewDisposable(service, source, template.get(), why);
        }
        Vm vm = configuration.require(target);
        if (vm.definition().agent() != VmDefinition.Agent.QVM) {
            throw new Refused(Protocol.STATUS_REFUSED, target + " has no qvm-agent to receive it");
        }
        Lifecycle lifecycle = lifecycle(configuration);
        if (lifecycle.stateOf(vm) != VmState.RUNNING) {
            try {
                lifecycle.start(vm, true, true);
            } catch (LifecycleException e) {
                throw new Refused(Protocol.STATUS_TRANSPORT, "the target VM " + target + " could not be started");
            }
        }
        return new Accepted(service, vm, lifecycle, Optional.ofNullable(why).orElse(""), Optional.empty());
    }

    /** A new disposable of {@code template}, started, for the call. */
    private Accepted inNewDisposable(Services service, String source, String template, String why) throws Refused {
        org.qvm.lifecycle.DisposableVm disposable;
        try {
            disposable = org.qvm.lifecycle.DisposableVm.started(org.qvm.lifecycle.DisposableVm.context(configPath, runner,
                    this::lifecycle), template, gone -> log.accept("removed the disposable " + gone + ", whose owner is gone"));
        } catch (IOException | RuntimeException e) {
            log.accept("call from " + source + ": no disposable of " + template + ": " + e.getMessage());
            throw new Refused(Protocol.STATUS_TRANSPORT, "a disposable of " + template + " could not be started");
        }
        if (disposable.vm().definition().agent() != VmDefinition.Agent.QVM) {
            disposables.remove(disposable, "of a template without a qvm-agent");
            throw new Refused(Protocol.STATUS_REFUSED, template + " has no qvm-agent to receive it");
        }
        log.accept("call from " + source + ": " + disposable.name() + " is a new disposable of " + template);
        return new Accepted(service, disposable.vm(), disposable.lifecycle(), Optional.ofNullable(why).orElse(""),
                Optional.of(disposable));
    }

    private Lifecycle lifecycle(Configuration configuration) {
        return new Lifecycle(configuration, runner, environment, line -> log.accept("starting " + line));
    }
}
