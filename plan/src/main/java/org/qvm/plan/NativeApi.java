package org.qvm.plan;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.util.Optional;

/**
 * A C library's functions through JNA, where they are all there: the one way the suite binds a
 * library it can do without (the C library's spawn and netlink, nftables' library), each then
 * done by its program instead. Call it from a holder class, so that a tool that never needs the
 * library never loads JNA for it.
 */
public final class NativeApi {
    private NativeApi() {
    }

    /**
     * The library's functions as {@code api}; empty where JNA or the library cannot be loaded, or
     * where any function of {@code api} is missing from it (an older version).
     */
    public static <T extends Library> Optional<T> load(String library, Class<T> api) {
        try {
            NativeLibrary loaded = NativeLibrary.getInstance(library);
            for (java.lang.reflect.Method function : api.getDeclaredMethods()) {
                loaded.getFunction(function.getName());
            }
            return Optional.of(Native.load(library, api));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return Optional.empty();
        }
    }
}
