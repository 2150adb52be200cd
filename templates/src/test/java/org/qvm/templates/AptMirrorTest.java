package org.qvm.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AptMirrorTest {
    @TempDir
    Path dir;

    @Test
    void theHostsDebianMirrorIsFoundInEitherFormatAndOthersAreSkipped() throws Exception {
        assertEquals(Optional.of("http://ftp.example.org/debian"), AptMirror.fromOneLine("""
                # deb http://old.example.org/debian bookworm main
                deb http://security.debian.org/debian-security bookworm-security main
                deb [arch=amd64 signed-by=/x.gpg] http://ftp.example.org/debian bookworm main contrib
                """));
        assertEquals(Optional.empty(), AptMirror.fromOneLine("deb https://packages.example.com/apt stable main\n"),
                "a third party's repository is not Debian");
        assertEquals(Optional.of("http://deb.debian.org/debian"), AptMirror.fromDeb822("""
                Types: deb
                URIs: http://deb.debian.org/debian-security
                Suites: bookworm-security
                Components: main

                Types: deb deb-src
                URIs: http://deb.debian.org/debian
                Suites: bookworm bookworm-updates
                Components: main
                """));

        Files.createDirectories(dir.resolve("sources.list.d"));
        Files.writeString(dir.resolve("sources.list.d/node.list"), "deb https://deb.nodesource.com/node_20.x nodistro main\n");
        Files.writeString(dir.resolve("sources.list.d/debian.sources"), "Types: deb\nURIs: http://mirror.local/debian\n"
                + "Suites: bookworm\nComponents: main\n");
        assertEquals(Optional.of("http://mirror.local/debian"), AptMirror.of(dir));
        assertEquals(Optional.empty(), AptMirror.of(dir.resolve("nothing-here")));
    }
}
