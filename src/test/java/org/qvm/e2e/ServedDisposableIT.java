package org.qvm.e2e;

import org.qvm.testsupport.HostSandbox;

/**
 * Every disposable test again with the tools served by a tool server: qvm-run --dispvm runs in
 * the server, and its disposable is removed when its client ends however it ends.
 */
class ServedDisposableIT extends DisposableIT {
    @Override
    void prepare(HostSandbox sandbox) throws Exception {
        sandbox.serveTools();
    }
}
