package org.qvm.guest.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * A connected UNIX or TCP stream socket with bounded waits, on the JDK alone: the channel is
 * non-blocking, and each direction waits for the other side in a selector of its own, for no
 * longer than the deadline and the idle limit in force ({@link #bound}). It does the same as
 * {@link FdSocket} for AF_UNIX without loading JNA, whose start costs a short-lived tool tens of
 * milliseconds.
 */
public final class ChannelSocket extends BoundedSocket {
    private final SocketChannel channel;
    private final Selector readable;
    private final Selector writable;

    /** Wraps a connected channel (made non-blocking here); {@code peer} names the other side in errors. */
    ChannelSocket(SocketChannel channel, String peer) throws IOException {
        super(peer);
        this.channel = channel;
        channel.configureBlocking(false);
        this.readable = Selector.open();
        this.writable = Selector.open();
        channel.register(readable, SelectionKey.OP_READ);
        channel.register(writable, SelectionKey.OP_WRITE);
    }

    /** Connects to a UNIX stream socket; no wait goes past {@code deadlineNanoTime}. */
    public static ChannelSocket connect(Path path, long deadlineNanoTime) throws IOException {
        return connect(SocketChannel.open(StandardProtocolFamily.UNIX), UnixDomainSocketAddress.of(path), path.toString(),
                deadlineNanoTime);
    }

    /** Connects over TCP (small frames go out at once: no Nagle); no wait goes past {@code deadlineNanoTime}. */
    public static ChannelSocket connect(InetSocketAddress address, long deadlineNanoTime) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.INET);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return connect(channel, address, address.getAddress().getHostAddress() + ":" + address.getPort(), deadlineNanoTime);
    }

    private static ChannelSocket connect(SocketChannel channel, SocketAddress address, String peer, long deadlineNanoTime)
            throws IOException {
        try {
            channel.configureBlocking(false);
            while (true) {
                try {
                    if (!channel.connect(address)) {
                        awaitConnected(channel, peer, deadlineNanoTime);
                    }
                    break;
                } catch (IOException e) {
                    // A UNIX socket whose queue is full answers EAGAIN: try again until the deadline.
                    if (!String.valueOf(e.getMessage()).contains("temporarily unavailable")) {
                        throw new IOException("cannot connect to " + peer + ": " + e.getMessage(), e);
                    }
                    if (deadlineNanoTime != NO_DEADLINE && System.nanoTime() - deadlineNanoTime >= 0) {
                        throw new SocketTimeoutException("cannot connect to " + peer + ": it accepts no connection");
                    }
                    LockSupport.parkNanos(10_000_000L);
                }
            }
            return new ChannelSocket(channel, peer);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Wraps a connection accepted by a listener of ours. */
    static ChannelSocket accepted(SocketChannel channel, String peer) throws IOException {
        return new ChannelSocket(channel, peer);
    }

    private static void awaitConnected(SocketChannel channel, String peer, long deadlineNanoTime) throws IOException {
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_CONNECT);
            while (!channel.finishConnect()) {
                long left = deadlineNanoTime == NO_DEADLINE ? NO_DEADLINE : deadlineNanoTime - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("cannot connect to " + peer + ": no answer in time");
                }
                selector.select(left == NO_DEADLINE ? 0 : Poll.millis(left));
                selector.selectedKeys().clear();
            }
        }
    }

    @Override
    int transfer(ByteBuffer buffer, boolean reading) throws IOException {
        long idleStart = System.nanoTime();
        while (true) {
            int n = reading ? channel.read(buffer) : channel.write(buffer);
            if (n != 0) {
                return n;
            }
            long limit = waitLimit(idleStart, reading);
            Selector selector = reading ? readable : writable;
            try {
                selector.select(limit == NO_DEADLINE ? 0 : Poll.millis(limit));
                selector.selectedKeys().clear();
            } catch (java.nio.channels.ClosedSelectorException e) {
                throw new IOException("the connection to " + peer + " is closed");
            }
        }
    }

    @Override
    boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    /** Ends the connection; a read or write waiting in another thread is woken and fails. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // Closed already.
        }
        readable.wakeup();
        writable.wakeup();
        try {
            readable.close();
            writable.close();
        } catch (IOException e) {
            // Nothing left to release.
        }
    }
}
