package org.qvm.guest.startup;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/** For a start-up cache's training run: loads the classes of a jar, so that its class list names them. */
public final class JarClasses {
    private JarClasses() {
    }

    /**
     * Loads, without initialising, every class under {@code prefixes} (such as {@code "org/qvm/"})
     * of the jar {@code anchor} came from. Not run from a jar (tests): nothing.
     */
    public static void loadAll(Class<?> anchor, List<String> prefixes) {
        ClassLoader loader = anchor.getClassLoader();
        try (JarFile jar = new JarFile(new File(anchor.getProtectionDomain().getCodeSource().getLocation().toURI()))) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                String name = entry.getName();
                if (name.endsWith(".class") && prefixes.stream().anyMatch(name::startsWith)) {
                    try {
                        Class.forName(name.substring(0, name.length() - ".class".length()).replace('/', '.'), false, loader);
                    } catch (ClassNotFoundException | LinkageError e) {
                        // a class that cannot be loaded here is only left out of the cache
                    }
                }
            }
        } catch (IOException | URISyntaxException e) {
            // not a jar: nothing to list
        }
    }
}
