package org.qvm.guest.startup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The agent's start-up cache, made in a template as it is built (guest/build/customize): run with
 * {@code -XX:DumpLoadedClassList}, it loads every class of the agent's jar and starts JNA, and
 * leaves JNA's stub and library path in {@code args[0]} (see {@link JnaStub}); the class list then
 * becomes an AppCDS archive that bin/qvm-agent maps. Not a tool.
 */
public final class AgentTraining {
    private AgentTraining() {
    }

    public static void main(String[] args) throws IOException {
        JnaStub.write(Path.of(args[0]));
        JarClasses.loadAll(AgentTraining.class, List.of("org/qvm/", "com/sun/jna/"));
    }
}
