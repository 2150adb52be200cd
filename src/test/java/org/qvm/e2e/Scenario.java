package org.qvm.e2e;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.testsupport.HostSandbox;
import org.qvm.testsupport.Privileged;

/**
 * An end-to-end scenario: a private host made for each test (as root), driven only through the
 * bin/ tools; afterwards nothing of a VM may be left on it.
 */
abstract class Scenario {
    @TempDir
    Path dir;
    HostSandbox sandbox;

    @BeforeEach
    void makeTheHost() throws Exception {
        Privileged.requireRoot(EndToEnd.TOOLS);
        sandbox = new HostSandbox(dir);
        prepare(sandbox);
    }

    /** What a variant of a scenario changes about the host before it begins (the tool server). */
    void prepare(HostSandbox sandbox) throws Exception {
    }

    @AfterEach
    void leaveNothing() {
        HostSandbox.closeLeavingNothing(sandbox);
    }
}
