package org.qvm.plan;

import java.io.IOException;

/**
 * A change done in this process, which does exactly what one command would (and is shown, and
 * reported when it fails, as that command): making a directory, writing kernel settings (here), an
 * nftables transaction through nftables' own library (tap-network). Each saves starting a program
 * on every VM's start.
 */
public non-sealed interface LocalAction extends Action {
    /** The command that would do the same: what {@code --dry-run} shows, and a failure names. */
    Command equivalent();

    /** Does it. */
    void perform() throws IOException;

    /** Whether this process can do it (a library it needs is there); if not, its command runs instead. */
    default boolean availableHere() {
        return true;
    }

    @Override
    default String render() {
        return equivalent().render();
    }

    @Override
    default String renderWithInput() {
        return equivalent().renderWithInput();
    }
}
