package org.qvm.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Listening Unix sockets whose file appears at its path only once it is what it must be. A
 * socket's file is made by {@code bind} with the process's umask and owner; its mode and owner
 * can only be set afterwards. Whoever waits for the file to exist (qvm-start for a companion's
 * socket, a test for a server's) could otherwise connect in between, and be refused, or be let in
 * where they must not be. So the socket is bound at a temporary name beside its path, given its
 * mode (and owner), and renamed over the path: the rename is atomic, and the listener keeps
 * listening under the new name.
 */
public final class SocketFiles {
    /** Binds a listening socket at the path given (a temporary name). */
    @FunctionalInterface
    public interface Binder {
        void bind(Path at) throws IOException;
    }

    /** Sets what the socket's file must be before it is in place (its owner, say), at the temporary name given. */
    @FunctionalInterface
    public interface Preparer {
        void prepare(Path at) throws IOException;
    }

    private SocketFiles() {
    }

    /**
     * Binds with {@code binder} beside {@code path}, makes the file 0600, lets {@code prepare} finish
     * it, and renames it over {@code path} (replacing a stale socket there). On failure nothing is
     * left at the temporary name; the caller closes what it bound.
     */
    public static void bindInPlace(Path path, Binder binder, Preparer prepare) throws IOException {
        Path temporary = path.resolveSibling("." + path.getFileName() + ".new");
        Files.deleteIfExists(temporary);
        boolean bound = false;
        try {
            binder.bind(temporary);
            bound = true;
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            prepare.prepare(temporary);
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            if (bound) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** {@link #bindInPlace(Path, Binder, Preparer)} with nothing more to set than the mode. */
    public static void bindInPlace(Path path, Binder binder) throws IOException {
        bindInPlace(path, binder, at -> {
        });
    }
}
