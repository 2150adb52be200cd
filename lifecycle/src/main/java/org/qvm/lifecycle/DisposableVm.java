package org.qvm.lifecycle;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.plan.CommandRunner;

/**
 * One disposable VM made for one job (qvm-run --dispvm, qvm-open-in-dvm, a guest's
 * qubes.OpenInDVM): a new {@code dispN} of a disposable template, started, and removed with
 * everything it had by {@link #close()}, which may be called more than once and from any thread
 * (a shutdown hook, the job's end). Owners that died without closing leave it to the next
 * {@link Disposables#cleanUp}, which {@link #create} runs first.
 */
public final class DisposableVm implements AutoCloseable {
    /** How the owner reads the configuration and makes its lifecycle service. */
    public interface Context {
        Configuration load(ConfigLoader.Recording recording);

        Lifecycle lifecycle(Configuration configuration);

        CommandRunner runner();
    }

    private final Context context;
    private final Disposables disposables;
    private final Disposables.Claim claim;
    private final Vm vm;
    private final Lifecycle lifecycle;
    private boolean closed;

    private DisposableVm(Context context, Disposables disposables, Disposables.Claim claim, Vm vm, Lifecycle lifecycle) {
        this.context = context;
        this.disposables = disposables;
        this.claim = claim;
        this.vm = vm;
        this.lifecycle = lifecycle;
    }

    /**
     * The disposable template called {@code name}, or {@code [defaults] dispvm} when it is empty.
     *
     * @throws IllegalArgumentException when there is none, or it is no disposable template
     */
    public static Vm template(Configuration configuration, String name) {
        String template = name.isEmpty() ? configuration.host().defaults().dispvm().orElseThrow(() ->
                new IllegalArgumentException("no disposable template: name one or set [defaults] dispvm")) : name;
        Vm vm = configuration.find(template).orElseThrow(() -> new IllegalArgumentException("no VM named " + template));
        if (!vm.definition().disposableTemplate()) {
            throw new IllegalArgumentException(template + " is not a disposable template (disposable-template = true in its file)");
        }
        return vm;
    }

    /**
     * Makes a new disposable of {@code template} (not started yet), after removing the disposables
     * whose owners are gone ({@code removed} hears of each).
     */
    public static DisposableVm create(Context context, String template, Consumer<String> removed) throws IOException {
        Configuration configuration = context.load(ConfigLoader.Recording.IF_POSSIBLE);
        Disposables disposables = new Disposables(configuration.host(), context.runner());
        List<String> gone = disposables.cleanUp(configuration, context.lifecycle(configuration));
        gone.forEach(removed);
        // Read again only when the clean-up removed some (their names are free now).
        Disposables.Claim claim = disposables.create(gone.isEmpty() ? configuration : context.load(ConfigLoader.Recording.IF_POSSIBLE),
                template, context.lifecycle(configuration));
        try {
            // Recorded: its CID and address are taken from the pools now.
            Configuration withIt = context.load(ConfigLoader.Recording.ALWAYS);
            return new DisposableVm(context, disposables, claim, withIt.require(claim.name()), context.lifecycle(withIt));
        } catch (RuntimeException e) {
            disposables.destroy(context.load(ConfigLoader.Recording.IF_POSSIBLE), claim, context.lifecycle(configuration));
            throw e;
        }
    }

    /** Makes one and starts it, until its agent answers; removed again when the start fails. */
    public static DisposableVm started(Context context, String template, Consumer<String> removed) throws IOException {
        DisposableVm disposable = create(context, template, removed);
        try {
            disposable.lifecycle.start(disposable.vm, true, true);
            return disposable;
        } catch (RuntimeException e) {
            disposable.close();
            throw e;
        }
    }

    public String name() {
        return vm.name();
    }

    public Vm vm() {
        return vm;
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    /** Kills the disposable and removes everything it had; gives its CID and address back to the pools. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        Configuration now = context.load(ConfigLoader.Recording.IF_POSSIBLE);
        disposables.destroy(now, claim, context.lifecycle(now));
        // Loading again drops the allocation of a VM that is gone.
        context.load(ConfigLoader.Recording.IF_POSSIBLE);
    }

    /** A context from a configuration file path, a runner and a way to make the lifecycle service. */
    public static Context context(java.nio.file.Path configPath, CommandRunner runner, Function<Configuration, Lifecycle> lifecycles) {
        return new Context() {
            @Override
            public Configuration load(ConfigLoader.Recording recording) {
                return new ConfigLoader().load(configPath, recording);
            }

            @Override
            public Lifecycle lifecycle(Configuration configuration) {
                return lifecycles.apply(configuration);
            }

            @Override
            public CommandRunner runner() {
                return runner;
            }
        };
    }
}
