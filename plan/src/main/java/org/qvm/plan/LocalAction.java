package org.qvm.plan;

import java.io.IOException;

/**
 * A change to files done in this process, which does exactly what one command would (and is shown,
 * and reported when it fails, as that command): making a directory, writing kernel settings. Each
 * saves starting a program on every VM's start.
 */
public sealed interface LocalAction extends Action permits MakeDirectory, KernelSettings {
    /** The command that would do the same: what {@code --dry-run} shows, and a failure names. */
    Command equivalent();

    /** Does it. */
    void perform() throws IOException;

    @Override
    default String render() {
        return equivalent().render();
    }

    @Override
    default String renderWithInput() {
        return equivalent().renderWithInput();
    }
}
