package org.qvm.cli;

import org.qvm.testsupport.HostSandbox;

/**
 * Every lifecycle test again, with the tools run by a tool server (bin/qvm-tool-server) in the
 * sandbox's namespace: a served tool that the server does not take fails, so each qvm-start,
 * qvm-shutdown, qvm-pause and qvm-unpause here ran in the server (qvm-kill and --foreground run in
 * their own JVM, by design) and did exactly what it does in its own.
 */
class ServedLifecycleIT extends LifecycleIT {
    @Override
    void prepare(HostSandbox sandbox) throws Exception {
        sandbox.serveTools();
    }
}
