package org.qvm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketFilesTest {
    @TempDir
    Path dir;

    @Test
    void theSocketIsAtItsPathOnlyOnceItIsFinishedAndItStillListensThere() throws IOException {
        Path path = dir.resolve("server.sock");
        List<String> seenWhilePreparing = new ArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            SocketFiles.bindInPlace(path, at -> server.bind(UnixDomainSocketAddress.of(at)), at -> {
                seenWhilePreparing.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(at, LinkOption.NOFOLLOW_LINKS)));
                seenWhilePreparing.add(String.valueOf(Files.exists(path, LinkOption.NOFOLLOW_LINKS)));
            });
            assertEquals(List.of("rw-------", "false"), seenWhilePreparing, "made 0600 before the preparer, and not yet in place");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)));
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path));
                    SocketChannel accepted = server.accept()) {
                assertTrue(accepted.isConnected());
            }
        }
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(path), listing.toList(), "nothing left at the temporary name");
        }
    }

    @Test
    void aStaleSocketIsReplaced() throws IOException {
        Path path = dir.resolve("server.sock");
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(path));
        }
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            SocketFiles.bindInPlace(path, at -> server.bind(UnixDomainSocketAddress.of(at)));
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path));
                    SocketChannel accepted = server.accept()) {
                assertTrue(accepted.isConnected());
            }
        }
    }

    @Test
    void aPreparerThatFailsLeavesNothingAndReplacesNothing() throws IOException {
        Path path = dir.resolve("server.sock");
        Files.writeString(path, "what was there");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            IOException failure = assertThrows(IOException.class, () -> SocketFiles.bindInPlace(path,
                    at -> server.bind(UnixDomainSocketAddress.of(at)), at -> {
                        throw new IOException("cannot give it to its owner");
                    }));
            assertEquals("cannot give it to its owner", failure.getMessage());
        }
        assertEquals("what was there", Files.readString(path));
        assertFalse(Files.exists(dir.resolve(".server.sock.new"), LinkOption.NOFOLLOW_LINKS));
    }
}
