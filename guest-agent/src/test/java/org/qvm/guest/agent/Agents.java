package org.qvm.guest.agent;

import java.io.IOException;
import java.nio.file.Path;

/** The real agent for tests: in this JVM, on a hybrid-vsock UNIX socket, serving in the background until closed. */
final class Agents {
    private Agents() {
    }

    static AgentServer serving(Path socket, AgentSettings settings) throws IOException {
        AgentServer server = AgentServer.listen("unix:" + socket, 5000, java.util.Optional.empty(), settings, new QvmAgent.Log(false));
        Thread thread = new Thread(() -> {
            try {
                server.serve();
            } catch (IOException e) {
                // Closed by the test.
            }
        }, "test-agent");
        thread.setDaemon(true);
        thread.start();
        return server;
    }
}
