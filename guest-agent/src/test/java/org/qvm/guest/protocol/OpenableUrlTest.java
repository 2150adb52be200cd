package org.qvm.guest.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class OpenableUrlTest {
    @Test
    void webAndFtpUrlsMayBeOpened() {
        for (String url : new String[] {"https://example.org/", "http://example.org/a?b=c&d=%20e#f", "HTTPS://EXAMPLE.ORG",
                "ftp://ftp.debian.org/debian/"}) {
            assertEquals(Optional.empty(), OpenableUrl.problem(url), url);
        }
    }

    @Test
    void otherSchemesSpacesControlsAndOverlongUrlsAreNot() {
        assertTrue(OpenableUrl.problem("file:///etc/shadow").orElseThrow().contains("not file"));
        assertTrue(OpenableUrl.problem("javascript://%0Aalert(1)").orElseThrow().contains("only http, https and ftp"));
        assertTrue(OpenableUrl.problem("https://example.org/a b").orElseThrow().contains("printable ASCII"));
        assertTrue(OpenableUrl.problem("https://example.org/\n--new-window").isPresent());
        assertTrue(OpenableUrl.problem("https://exämple.org/").isPresent());
        assertTrue(OpenableUrl.problem("https://").orElseThrow().contains("no host"));
        assertTrue(OpenableUrl.problem("--help").orElseThrow().contains("not a URL"));
        assertTrue(OpenableUrl.problem("").isPresent());
        assertTrue(OpenableUrl.problem("https://example.org/" + "a".repeat(OpenableUrl.MAX_LENGTH)).orElseThrow().contains("over"));
    }

    @Test
    void anArgumentWithASchemeIsAUrlAnythingElseAFile() {
        assertTrue(OpenableUrl.looksLikeUrl("https://example.org"));
        assertTrue(OpenableUrl.looksLikeUrl("mailto+x://y"));
        assertFalse(OpenableUrl.looksLikeUrl("report.pdf"));
        assertFalse(OpenableUrl.looksLikeUrl("./https://example.org"));
        assertFalse(OpenableUrl.looksLikeUrl("dir/a://b"));
    }
}
