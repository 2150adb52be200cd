package org.qvm.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.qvm.guest.startup.JarClasses;

/**
 * The work the JVM's start-up cache is made from (see bin/qvm-java --make-startup-cache): every
 * tool's command line is built and qvm-ls runs over the example VMs, all in this one JVM, so the
 * classes on the fast paths are archived; for an AppCDS archive, every other class of the suite's
 * own, picocli's and JNA's is loaded too (not run), so that the JVMs the tools start (the Wayland
 * proxy, a VM's console keeper, qvmd) find theirs in the same cache. Not a tool; prints nothing.
 */
public final class StartupTraining {
    private StartupTraining() {
    }

    /**
     * args[0]: a host file whose VMs include {@code dev} (bin/qvm-java makes one); then
     * {@code --all-classes} for an AppCDS archive, which maps its classes only when they are asked
     * for. (Java 25's AOT cache loads every class it holds as the JVM starts: there, the tools'
     * own paths only.)
     */
    public static void main(String[] args) {
        Map<String, String> environment = Map.of("QVM_CONFIG", args[0]);
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        for (List<String> run : List.of(List.of("qvm-ls"), List.of("qvm-ls", "--raw-list"), List.of("qvm-ls", "--raw-data"),
                List.of("qvm-ls", "--json"), List.of("qvm-ls", "--bogus"), List.of("qvm-start", "--dry-run", "dev"))) {
            Tool tool = Tools.create(run.get(0));
            tool.environment = environment;
            picocli.CommandLine commandLine = ToolRunner.commandLine(tool);
            commandLine.setOut(nowhere).setErr(nowhere);
            commandLine.execute(run.subList(1, run.size()).toArray(String[]::new));
        }
        for (String name : Tools.NAMES) {
            Tool tool = Tools.create(name);
            tool.environment = environment;
            ToolRunner.commandLine(tool).setOut(nowhere).setErr(nowhere).execute("--help");
        }
        throughToolServer();
        if (args.length > 1 && args[1].equals("--all-classes")) {
            JarClasses.loadAll(StartupTraining.class, List.of("org/qvm/", "picocli/", "com/sun/jna/"));
            try {
                // JNA's start (its native part loaded, and the JDK classes it uses): the proxy's and agent channel's.
                Class.forName("com.sun.jna.Native", true, StartupTraining.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // no JNA here: left out of the cache
            }
        }
    }

    /** A client's path (and the server's) for one qvm-ls: a tool server on a socket of its own. */
    private static void throughToolServer() {
        try {
            Path directory = Files.createTempDirectory("qvm-training");
            Path socket = directory.resolve("tools.sock");
            try (ToolServer server = ToolServer.listen(socket, line -> { })) {
                Thread serving = new Thread(() -> {
                    try {
                        server.serve();
                    } catch (java.io.IOException e) {
                        // closed
                    }
                });
                serving.setDaemon(true);
                serving.start();
                ToolClient.served(socket, new String[] {"qvm-ls"}, false);
            } finally {
                Files.deleteIfExists(socket);
                Files.deleteIfExists(directory);
            }
        } catch (java.io.IOException e) {
            // No Unix socket here: the cache goes without the client's path.
        }
    }
}
