package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tool thread interrupted while it writes to its client (qvm-run stops its input thread so) must
 * not close the client's connection: the exit status still has to reach the client.
 */
class FrameSenderTest {
    @TempDir
    Path dir;

    @Test
    void anInterruptedWriterNeitherClosesTheConnectionNorBreaksAFrame() throws Exception {
        Path path = dir.resolve("s");
        try (ServerSocketChannel server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path));
                 SocketChannel served = server.accept();
                 ToolServer.FrameSender sender = new ToolServer.FrameSender(ToolWire.output(served))) {
                Thread.currentThread().interrupt();
                try {
                    ToolWire.writeNumber(sender, ToolWire.READ, 4096);
                } catch (InterruptedIOException e) {
                    // Told so when the frame was still on its way: it is sent all the same.
                }
                assertTrue(Thread.interrupted(), "the writer's interrupt stays its own");
                ToolWire.writeNumber(sender, ToolWire.EXIT, 7);

                InputStream in = ToolWire.input(client);
                ToolWire.Frame read = ToolWire.read(in, ToolWire.CHUNK);
                assertEquals(ToolWire.READ, read.type());
                assertEquals(4096, read.number());
                ToolWire.Frame exit = ToolWire.read(in, ToolWire.CHUNK);
                assertEquals(ToolWire.EXIT, exit.type());
                assertArrayEquals(new byte[] {0, 0, 0, 7}, exit.payload());
                assertTrue(served.isOpen());
            }
        }
    }

    /** What the sender is for: written straight to the channel, the same interrupt closes the connection. */
    @Test
    void straightToTheChannelTheInterruptWouldCloseIt() throws Exception {
        Path path = dir.resolve("s");
        try (ServerSocketChannel server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path)); SocketChannel served = server.accept()) {
                Thread.currentThread().interrupt();
                assertThrows(java.nio.channels.ClosedByInterruptException.class,
                        () -> ToolWire.writeNumber(ToolWire.output(served), ToolWire.READ, 4096));
                Thread.interrupted();
                assertTrue(!served.isOpen(), "the connection is gone");
            }
        }
    }
}
