package org.qvm.cli;

import java.io.IOException;
import org.qvm.config.Vm;
import org.qvm.lifecycle.DisposableVm;

/**
 * A tool's job in a new disposable VM (qvm-run --dispvm, qvm-open-in-dvm): the disposable is made
 * and started, the job runs, and the disposable is removed with everything it had however the job
 * ends: returning, failing, or the tool told to stop (Ctrl-C, SIGTERM, a tool server's client gone),
 * through {@link Interrupts#whenEnded}.
 */
final class DisposableJob {
    /** What runs in the disposable; returns the tool's exit status. */
    interface Job {
        int run(DisposableVm disposable) throws IOException;
    }

    private DisposableJob() {
    }

    /** The disposable template NAME, or [defaults] dispvm for an empty NAME; a usage error when there is none. */
    static Vm template(org.qvm.config.Configuration configuration, String name) {
        try {
            return DisposableVm.template(configuration, name);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static int run(Tool tool, String template, Job job) throws IOException {
        DisposableVm.Context context = DisposableVm.context(tool.configPath(), tool.runner(), tool::lifecycle);
        DisposableVm disposable;
        try {
            disposable = DisposableVm.create(context, template, gone -> tool.warn("removed the disposable " + gone
                    + ", whose owner is gone"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a disposable of " + template + ": " + e.getMessage(), e);
        }
        // The removal runs on a thread of its own, which nothing interrupts: an interrupt (a tool
        // server's client gone, while the job's thread was already removing it) would leave the
        // disposable half removed, and a second close() does nothing.
        Runnable removal = () -> {
            Thread remover = new Thread(() -> {
                try {
                    disposable.close();
                } catch (IOException | RuntimeException e) {
                    tool.err().println(tool.programName() + ": error: could not remove the disposable " + disposable.name()
                            + ": " + e.getMessage());
                    tool.err().flush();
                }
            }, "qvm-dispvm-removal");
            remover.start();
            boolean interrupted = false;
            while (remover.isAlive()) {
                try {
                    remover.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        };
        Object whenEnded = tool.interrupts().whenEnded(removal);
        try {
            if (!tool.quiet()) {
                tool.err().println(tool.programName() + ": " + disposable.name() + ": a disposable of " + template);
                tool.err().flush();
            }
            return job.run(disposable);
        } finally {
            removal.run();
            tool.interrupts().forget(whenEnded);
        }
    }
}
