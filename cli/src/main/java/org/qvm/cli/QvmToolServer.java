package org.qvm.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** qvm-tool-server: one resident JVM that runs the qvm-* tools for their clients, in the foreground. */
@Command(name = "qvm-tool-server", header = "run the qvm-* tools in one resident JVM",
        description = {"Serve qvm-ls, qvm-start, qvm-shutdown, qvm-pause, qvm-unpause and qvm-run for this user, in the "
                + "foreground (qvm-tool-server.service runs it for root). A tool finds the server at QVM_TOOL_SOCKET, else "
                + "/run/qvm-tools/tools.sock for root and $XDG_RUNTIME_DIR/qvm-tools/tools.sock for other users, and hands it the "
                + "command with its arguments, environment, standard streams and Ctrl-C; the command's output and exit "
                + "status are what it would have been in the tool's own JVM. A command the server cannot run as its own "
                + "JVM would (another user, another network namespace, another build of the jar, -vv, "
                + "qvm-start --foreground, a relative QVM_CONFIG) runs in the tool's own JVM instead, and so does qvm-kill, always. "
                + "The client is bin/qvm-tool-client, run by the Python that QVM_PYTHON names (default /usr/bin/python3), "
                + "or the tool's own JVM where there is none. "
                + "The server stops when its jar is rebuilt; QVM_TOOL_CLIENT=local makes a tool ignore it."})
final class QvmToolServer extends Tool {
    @Option(names = "--socket", paramLabel = "PATH", description = "Listen here instead of the default socket.")
    Path socket;

    @Override
    List<String[]> examples() {
        return List.<String[]>of(new String[] {"systemctl enable --now qvm-tool-server", "serve root's tools from boot on"},
                new String[] {"qvm-tool-server --socket /tmp/qvm-tools/tools.sock", "serve them from this terminal"});
    }

    @Override
    public Integer call() throws IOException {
        Path path = socket != null ? socket : ToolClient.socketPath();
        if (path == null) {
            throw new IllegalStateException("no socket to listen on: give --socket, or set QVM_TOOL_SOCKET or XDG_RUNTIME_DIR");
        }
        try (ToolServer server = ToolServer.listen(path, line -> {
            synchronized (this) {
                err().println("qvm-tool-server: " + line);
                err().flush();
            }
        })) {
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "qvm-tool-server-shutdown"));
            ToolServer.routeStandardError();
            if (!quiet()) {
                err().println("qvm-tool-server: serving on " + path);
                err().flush();
            }
            server.serve();
        }
        return 0;
    }
}
