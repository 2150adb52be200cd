package org.qvm.guest.protocol;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The URLs a VM may have another VM open (Qubes' {@code qubes.OpenURL}): http, https and ftp
 * only, of printable ASCII without spaces (anything else is percent-encoded in a real URL), at
 * most {@value #MAX_LENGTH} bytes. Checked where the URL is typed, again by the host before it
 * asks anyone, and once more by the agent that opens it.
 */
public final class OpenableUrl {
    public static final int MAX_LENGTH = 3072;
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");
    private static final java.util.Set<String> OPENABLE = java.util.Set.of("http", "https", "ftp");

    private OpenableUrl() {
    }

    /** Whether an argument is meant as a URL ({@code scheme://...}) rather than a file, as qvm-open-in-vm tells them apart. */
    public static boolean looksLikeUrl(String argument) {
        return SCHEME.matcher(argument).find();
    }

    /** Why {@code url} may not be opened; empty when it may. */
    public static Optional<String> problem(String url) {
        if (url.isEmpty()) {
            return Optional.of("the URL is empty");
        }
        if (url.length() > MAX_LENGTH) {
            return Optional.of("the URL is over " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return Optional.of("a URL holds only printable ASCII without spaces (percent-encode the rest)");
            }
        }
        if (!looksLikeUrl(url)) {
            return Optional.of("not a URL (scheme://...)");
        }
        String scheme = url.substring(0, url.indexOf(':')).toLowerCase(Locale.ROOT);
        if (!OPENABLE.contains(scheme)) {
            return Optional.of("only http, https and ftp URLs are opened, not " + scheme);
        }
        if (url.length() == scheme.length() + 3) {
            return Optional.of("the URL names no host");
        }
        return Optional.empty();
    }
}
