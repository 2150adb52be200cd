package org.qvm.qvmd;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * The desktop a question is shown on. qvmd runs as a system service, outside anyone's session:
 * when its environment names no display, the question goes to the Wayland session of the desktop
 * user, found as the lowest uid of 1000 or more with a Wayland socket in {@code /run/user/UID/},
 * and the dialog runs as that user ({@code runuser}), with that session's variables.
 */
public record DesktopSession(Optional<String> user, Map<String, String> variables) {
    static final int FIRST_USER_UID = 1000;

    /** The session to ask in: the caller's own when it has a display, else a user's Wayland session found under {@code runUser}. */
    public static Optional<DesktopSession> find(Map<String, String> environment, Path runUser, IntFunction<Optional<String>> userName) {
        if (has(environment, "WAYLAND_DISPLAY") || has(environment, "DISPLAY")) {
            return Optional.of(new DesktopSession(Optional.empty(), Map.of()));
        }
        List<Path> sessions = new ArrayList<>();
        try (DirectoryStream<Path> users = Files.newDirectoryStream(runUser)) {
            for (Path dir : users) {
                if (uid(dir).orElse(-1) >= FIRST_USER_UID && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    sessions.add(dir);
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        sessions.sort(Comparator.comparingInt(dir -> uid(dir).orElseThrow()));
        for (Path dir : sessions) {
            Optional<String> socket = waylandSocket(dir);
            Optional<String> name = userName.apply(uid(dir).orElseThrow());
            if (socket.isPresent() && name.isPresent()) {
                return Optional.of(new DesktopSession(name, Map.of("XDG_RUNTIME_DIR", dir.toString(), "WAYLAND_DISPLAY", socket.get())));
            }
        }
        return Optional.empty();
    }

    /** The desktop session on this machine ({@code /run/user}, users by who owns their runtime directory). */
    public static Optional<DesktopSession> find(Map<String, String> environment) {
        Path runUser = Path.of("/run/user");
        return find(environment, runUser, uid -> ownerIfUid(runUser.resolve(String.valueOf(uid)), uid));
    }

    /** The name of the user who owns {@code dir}, when that is {@code uid} (a runtime directory is its user's). */
    static Optional<String> ownerIfUid(Path dir, int uid) {
        try {
            Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (!Integer.valueOf(uid).equals(owner)) {
                return Optional.empty();
            }
            return Optional.of(Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName());
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    private static boolean has(Map<String, String> environment, String name) {
        return !environment.getOrDefault(name, "").isEmpty();
    }

    private static Optional<Integer> uid(Path dir) {
        String name = dir.getFileName().toString();
        return name.matches("\\d{1,9}") ? Optional.of(Integer.parseInt(name)) : Optional.empty();
    }

    /** The first wayland-N socket (not its .lock) in a runtime directory. */
    private static Optional<String> waylandSocket(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "wayland-*")) {
            List<String> names = new ArrayList<>();
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.matches("wayland-\\d+") && !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    names.add(name);
                }
            }
            return names.stream().sorted().findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The command line that runs {@code argv} in this session: as its user, with its variables (no shell). */
    public List<String> wrap(List<String> argv) {
        if (user.isEmpty()) {
            return argv;
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", user.get(), "--", "env"));
        variables.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> wrapped.add(e.getKey() + "=" + e.getValue()));
        wrapped.addAll(argv);
        return wrapped;
    }
}
