package org.qvm.guest.startup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Part of a start-up cache (bin/qvm-java's on the host, the agent's in a template): JNA's native
 * stub, taken out of the jar once, and the library path JNA works out for itself (it runs {@code
 * ldconfig -p} for that). Given both ({@code jna.boot.library.path}, {@code jna.nounpack} and
 * {@code jna.platform.library.path}), a JVM that uses JNA (the Wayland proxy, vsock, file copies,
 * the agent) starts it in about half the time: no temporary copy of the stub, no process. Not a tool.
 */
public final class JnaStub {
    public static final String LIBRARY = "libjnidispatch.so";
    public static final String LIBRARY_PATH = "jna-library-path";

    private JnaStub() {
    }

    /** args[0]: the cache's directory; see {@link #write}. */
    public static void main(String[] args) throws IOException {
        write(Path.of(args[0]));
    }

    /**
     * Writes both into {@code dir}, each under a temporary name and renamed into place: a JVM
     * starting meanwhile finds the old one or the new one, never half of one.
     */
    public static void write(Path dir) throws IOException {
        String resource = "/com/sun/jna/" + com.sun.jna.Platform.RESOURCE_PREFIX + "/" + LIBRARY;
        try (InputStream stub = JnaStub.class.getResourceAsStream(resource)) {
            if (stub == null) {
                throw new IOException("the jar has no " + resource);
            }
            Path made = dir.resolve(LIBRARY + ".new");
            Files.copy(stub, made, StandardCopyOption.REPLACE_EXISTING);
            Files.move(made, dir.resolve(LIBRARY), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            // JNA's library class works the path out as it is first used, into this property.
            Class.forName("com.sun.jna.NativeLibrary", true, JnaStub.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IOException("no JNA in the jar", e);
        }
        Path made = dir.resolve(LIBRARY_PATH + ".new");
        Files.writeString(made, System.getProperty("jna.platform.library.path", "") + "\n");
        Files.move(made, dir.resolve(LIBRARY_PATH), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
