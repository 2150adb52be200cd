package org.qvm.network;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qvm.plan.NativeApi;

/**
 * What {@code ip} does for a VM's network, done in this process by the kernel's own interfaces
 * through JNA: the tun device's ioctls (to make a persistent tap, as {@code ip tuntap add}) and
 * routing netlink (to name it, address it, bring it up, delete it, and to list the links and their
 * addresses, as {@code ip -j -d address show}). The kernel does the same work either way; only the
 * {@code ip} processes (about 12 ms each here, three in a VM's start) are saved. It acts on this
 * process's network namespace. Where JNA or the C library cannot be loaded, {@link #available} is
 * false and {@code ip} runs. Every request is answered by the kernel synchronously; a receive
 * timeout still bounds each one.
 */
final class Rtnetlink {
    private static final int AF_UNSPEC = 0;
    private static final int AF_INET = 2;
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_ROUTE = 0;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int SOL_NETLINK = 270;
    /** The kernel's own words for an error (as ip prints them), and an acknowledgement without the request in it. */
    private static final int NETLINK_CAP_ACK = 10;
    private static final int NETLINK_EXT_ACK = 11;
    private static final short NLM_F_CAPPED = 0x100;
    private static final short NLM_F_ACK_TLVS = 0x200;
    private static final int NLMSGERR_ATTR_MSG = 1;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;

    private static final short NLMSG_ERROR = 2;
    private static final short NLMSG_DONE = 3;
    private static final short RTM_NEWLINK = 16;
    private static final short RTM_DELLINK = 17;
    private static final short RTM_GETLINK = 18;
    private static final short RTM_NEWADDR = 20;
    private static final short RTM_DELADDR = 21;
    private static final short RTM_GETADDR = 22;
    private static final short NLM_F_REQUEST = 1;
    private static final short NLM_F_ACK = 4;
    private static final short NLM_F_DUMP = 0x300;
    private static final short NLM_F_EXCL = 0x200;
    private static final short NLM_F_CREATE = 0x400;

    private static final int IFLA_IFNAME = 3;
    private static final int IFLA_LINKINFO = 18;
    private static final int IFLA_IFALIAS = 20;
    private static final int IFLA_INFO_KIND = 1;
    private static final int IFLA_INFO_DATA = 2;
    private static final int IFLA_TUN_OWNER = 1;
    private static final int IFLA_TUN_TYPE = 3;
    private static final int IFLA_TUN_PI = 4;
    private static final int IFLA_TUN_VNET_HDR = 5;
    private static final int IFLA_TUN_PERSIST = 6;
    private static final int IFLA_TUN_MULTI_QUEUE = 7;
    private static final int IFA_ADDRESS = 1;
    private static final int IFA_LOCAL = 2;
    private static final int IFF_UP = 1;

    /** linux/if_tun.h: the ioctls (_IOW('T', n, int)) and flags {@code ip tuntap add} uses. */
    private static final long TUNSETIFF = 0x400454caL;
    private static final long TUNSETPERSIST = 0x400454cbL;
    private static final long TUNSETOWNER = 0x400454ccL;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    /** Fail if the device exists, instead of attaching to it. */
    private static final short IFF_TUN_EXCL = (short) 0x8000;
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;

    private static final int HEADER = 16;
    private static final int RECEIVE_BUFFER = 64 * 1024;
    private static final int TIMEOUT_SECONDS = 5;

    /** The C library functions used; the sizes (size_t, unsigned long) are those of 64-bit Linux. */
    private interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int setsockopt(int fd, int level, int name, long[] value, int length) throws LastErrorException;

        int setsockopt(int fd, int level, int name, int[] value, int length) throws LastErrorException;

        long write(int fd, byte[] buffer, long count) throws LastErrorException;

        long read(int fd, byte[] buffer, long count) throws LastErrorException;

        int open(String path, int flags) throws LastErrorException;

        int ioctl(int fd, long request, byte[] argument) throws LastErrorException;

        int ioctl(int fd, long request, long argument) throws LastErrorException;

        int close(int fd);

        int if_nametoindex(String name);

        String strerror(int errno);
    }

    private Rtnetlink() {
    }

    /** Loaded on first use, as {@link Libnftables}. */
    private static final class Loaded {
        static final Optional<LibC> C = NativeApi.load("c", LibC.class);
    }

    static boolean available() {
        return Loaded.C.isPresent();
    }

    private static LibC c() {
        return Loaded.C.orElseThrow(() -> new IllegalStateException("the C library could not be loaded through JNA"));
    }

    private static String strerror(LastErrorException e) {
        return c().strerror(e.getErrorCode());
    }

    // ---- the tun device -------------------------------------------------------------------------

    /**
     * {@code ip tuntap add dev NAME mode tap vnet_hdr user UID}: a persistent tap without packet
     * information, with virtio-net headers, usable by {@code uid}; fails if NAME exists.
     */
    static void addTap(String name, int uid) throws IOException {
        byte[] request = new byte[IFREQ_SIZE];
        byte[] bytes = interfaceName(name);
        System.arraycopy(bytes, 0, request, 0, bytes.length);
        ByteBuffer.wrap(request).order(ByteOrder.nativeOrder())
                .putShort(IFNAMSIZ, (short) (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL));
        int fd;
        try {
            fd = c().open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("open /dev/net/tun: " + strerror(e));
        }
        String step = "TUNSETIFF";
        try {
            c().ioctl(fd, TUNSETIFF, request);
            step = "TUNSETOWNER";
            c().ioctl(fd, TUNSETOWNER, uid);
            step = "TUNSETPERSIST";
            c().ioctl(fd, TUNSETPERSIST, 1L);
        } catch (LastErrorException e) {
            throw new IOException("ioctl(" + step + "): " + strerror(e));
        } finally {
            c().close(fd);
        }
    }

    private static byte[] interfaceName(String name) throws IOException {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length >= IFNAMSIZ || name.indexOf('\0') >= 0 || name.indexOf('/') >= 0) {
            throw new IOException("\"" + name + "\" is not a valid interface name");
        }
        return bytes;
    }

    // ---- links and addresses --------------------------------------------------------------------

    /** {@code ip link set dev NAME alias ALIAS}. */
    static void setAlias(String name, String alias) throws IOException {
        Message message = new Message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
        message.interfaceInfo(index(name), 0, 0);
        message.attribute(IFLA_IFALIAS, alias.getBytes(StandardCharsets.UTF_8));
        acknowledged(message);
    }

    /** {@code ip link set dev NAME up}. */
    static void setUp(String name) throws IOException {
        Message message = new Message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
        message.interfaceInfo(index(name), IFF_UP, IFF_UP);
        acknowledged(message);
    }

    /** {@code ip link del dev NAME}. */
    static void deleteLink(String name) throws IOException {
        Message message = new Message(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
        message.interfaceInfo(index(name), 0, 0);
        acknowledged(message);
    }

    /** {@code ip addr add A.B.C.D/N dev NAME}, a local address with no peer or broadcast. */
    static void addAddress(String name, String cidr) throws IOException {
        acknowledged(addressMessage(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, name, cidr));
    }

    /** {@code ip addr del A.B.C.D/N dev NAME}. */
    static void deleteAddress(String name, String cidr) throws IOException {
        acknowledged(addressMessage(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, name, cidr));
    }

    private static Message addressMessage(short type, int flags, String name, String cidr) throws IOException {
        String[] parts = cidr.split("/", -1);
        byte[] address;
        int prefix;
        try {
            address = ByteBuffer.allocate(4).putInt(org.qvm.config.Ipv4Address.parse(parts[0]).value()).array();
            prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : 32;
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid address \"" + cidr + "\"");
        }
        if (parts.length > 2 || prefix < 0 || prefix > 32) {
            throw new IOException("invalid address \"" + cidr + "\"");
        }
        Message message = new Message(type, flags);
        message.addressInfo(prefix, index(name));
        message.attribute(IFA_LOCAL, address);
        message.attribute(IFA_ADDRESS, address);
        return message;
    }

    private static int index(String name) throws IOException {
        interfaceName(name);
        int index = c().if_nametoindex(name);
        if (index <= 0) {
            throw new IOException("Cannot find device \"" + name + "\"");
        }
        return index;
    }

    /**
     * The interfaces, their alias, state, tap settings and IPv4 addresses, as {@link NetworkProbe}
     * reads them from {@code ip -j -d address show}.
     */
    static Map<String, ObservedNetwork.Link> links() throws IOException {
        record Found(String name, Optional<ObservedNetwork.Tap> tap, String alias, boolean up) {
        }
        Map<Integer, Found> byIndex = new LinkedHashMap<>();
        Message links = new Message(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
        links.interfaceInfo(0, 0, 0);
        for (ByteBuffer reply : dumped(links, RTM_NEWLINK)) {
            int index = reply.getInt(HEADER + 4);
            int flags = reply.getInt(HEADER + 8);
            Map<Integer, ByteBuffer> attributes = attributes(reply, HEADER + 16);
            String name = string(attributes.get(IFLA_IFNAME));
            byIndex.put(index, new Found(name, tap(attributes.get(IFLA_LINKINFO)),
                    string(attributes.get(IFLA_IFALIAS)), (flags & IFF_UP) != 0));
        }
        Map<Integer, List<String>> addresses = new HashMap<>();
        Message addressDump = new Message(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
        addressDump.addressInfo(0, 0);
        for (ByteBuffer reply : dumped(addressDump, RTM_NEWADDR)) {
            if (reply.get(HEADER) != AF_INET) {
                continue;
            }
            int prefix = Byte.toUnsignedInt(reply.get(HEADER + 1));
            int index = reply.getInt(HEADER + 4);
            Map<Integer, ByteBuffer> attributes = attributes(reply, HEADER + 8);
            ByteBuffer local = attributes.getOrDefault(IFA_LOCAL, attributes.get(IFA_ADDRESS));
            if (local != null && local.remaining() == 4) {
                addresses.computeIfAbsent(index, i -> new ArrayList<>())
                        .add(String.format("%d.%d.%d.%d/%d", Byte.toUnsignedInt(local.get(0)), Byte.toUnsignedInt(local.get(1)),
                                Byte.toUnsignedInt(local.get(2)), Byte.toUnsignedInt(local.get(3)), prefix));
            }
        }
        Map<String, ObservedNetwork.Link> result = new LinkedHashMap<>();
        byIndex.forEach((index, found) -> result.put(found.name(), new ObservedNetwork.Link(found.name(), found.tap(),
                found.alias(), found.up(), addresses.getOrDefault(index, List.of()))));
        return result;
    }

    /** The tap settings in a link's IFLA_LINKINFO, if it is a tun device in tap mode. */
    private static Optional<ObservedNetwork.Tap> tap(ByteBuffer linkInfo) {
        if (linkInfo == null) {
            return Optional.empty();
        }
        Map<Integer, ByteBuffer> info = attributes(linkInfo, 0);
        ByteBuffer data = info.get(IFLA_INFO_DATA);
        if (!"tun".equals(string(info.get(IFLA_INFO_KIND))) || data == null) {
            return Optional.empty();
        }
        Map<Integer, ByteBuffer> tun = attributes(data, 0);
        if (flag(tun, IFLA_TUN_TYPE) != IFF_TAP) {
            return Optional.empty();
        }
        ByteBuffer owner = tun.get(IFLA_TUN_OWNER);
        String user = owner == null || owner.remaining() < 4 || owner.getInt(0) == -1 ? ""
                : Integer.toUnsignedString(owner.getInt(0));
        return Optional.of(new ObservedNetwork.Tap(flag(tun, IFLA_TUN_VNET_HDR) != 0, flag(tun, IFLA_TUN_PERSIST) != 0,
                flag(tun, IFLA_TUN_MULTI_QUEUE) != 0, flag(tun, IFLA_TUN_PI) != 0, user));
    }

    private static int flag(Map<Integer, ByteBuffer> attributes, int type) {
        ByteBuffer value = attributes.get(type);
        return value == null || value.remaining() < 1 ? 0 : Byte.toUnsignedInt(value.get(0));
    }

    private static String string(ByteBuffer value) {
        if (value == null) {
            return "";
        }
        byte[] bytes = new byte[value.remaining()];
        value.duplicate().get(bytes);
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    /** The attributes (type without its nested and byte-order bits -> value) from {@code offset} on. */
    private static Map<Integer, ByteBuffer> attributes(ByteBuffer message, int offset) {
        Map<Integer, ByteBuffer> attributes = new HashMap<>();
        int position = offset;
        while (position + 4 <= message.limit()) {
            int length = Short.toUnsignedInt(message.getShort(position));
            int type = Short.toUnsignedInt(message.getShort(position + 2)) & 0x3fff;
            if (length < 4 || position + length > message.limit()) {
                break;
            }
            ByteBuffer value = message.duplicate().position(position + 4).limit(position + length).slice()
                    .order(ByteOrder.nativeOrder());
            attributes.putIfAbsent(type, value);
            position += align(length);
        }
        return attributes;
    }

    private static int align(int length) {
        return (length + 3) & ~3;
    }

    // ---- the netlink conversation ---------------------------------------------------------------

    /** A request being built: header, the family's fixed part, attributes. */
    private static final class Message {
        private final ByteBuffer buffer = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
        private int fixedPart;

        Message(short type, int flags) {
            buffer.putInt(0).putShort(type).putShort((short) flags).putInt(0).putInt(0);
        }

        void interfaceInfo(int index, int flags, int change) {
            buffer.put((byte) AF_UNSPEC).put((byte) 0).putShort((short) 0).putInt(index).putInt(flags).putInt(change);
            fixedPart = buffer.position();
        }

        void addressInfo(int prefix, int index) {
            buffer.put((byte) AF_INET).put((byte) prefix).put((byte) 0).put((byte) 0).putInt(index);
            fixedPart = buffer.position();
        }

        void attribute(int type, byte[] value) {
            buffer.putShort((short) (4 + value.length)).putShort((short) type).put(value);
            buffer.position(align(buffer.position()));
        }

        byte[] bytes(int sequence) {
            int length = Math.max(buffer.position(), fixedPart);
            buffer.putInt(0, length).putInt(8, sequence);
            byte[] bytes = new byte[length];
            buffer.duplicate().position(0).get(bytes);
            return bytes;
        }
    }

    /**
     * An error as ip prints it: the kernel's message where it gave one ("Error: ipv4: Address
     * already assigned."), else the errno's ("RTNETLINK answers: File exists").
     */
    private static String errorMessage(ByteBuffer error, int errno) {
        int flags = Short.toUnsignedInt(error.getShort(6));
        if ((flags & NLM_F_ACK_TLVS) != 0 && error.limit() >= HEADER + 4 + HEADER) {
            int request = (flags & NLM_F_CAPPED) != 0 ? HEADER : align(error.getInt(HEADER + 4));
            String message = HEADER + 4 + request <= error.limit()
                    ? string(attributes(error, HEADER + 4 + request).get(NLMSGERR_ATTR_MSG)) : "";
            if (!message.isEmpty()) {
                return "Error: " + message + (message.endsWith(".") ? "" : ".");
            }
        }
        return "RTNETLINK answers: " + c().strerror(errno);
    }

    private static void acknowledged(Message message) throws IOException {
        exchange(message, (short) -1);
    }

    private static List<ByteBuffer> dumped(Message message, short replyType) throws IOException {
        return exchange(message, replyType);
    }

    /**
     * Sends the request on a socket of its own and reads the answer: the acknowledgement (an error
     * becomes the exception, worded as ip words it), or a dump's messages of {@code replyType}.
     */
    private static List<ByteBuffer> exchange(Message message, short replyType) throws IOException {
        LibC c = c();
        int fd;
        try {
            fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        } catch (LastErrorException e) {
            throw new IOException("Cannot open netlink socket: " + strerror(e));
        }
        try {
            c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, new long[] {TIMEOUT_SECONDS, 0}, 16);
            c.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, new int[] {1}, 4);
            c.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, new int[] {1}, 4);
            int sequence = 1;
            byte[] request = message.bytes(sequence);
            c.write(fd, request, request.length);
            List<ByteBuffer> replies = new ArrayList<>();
            byte[] buffer = new byte[RECEIVE_BUFFER];
            while (true) {
                long received = c.read(fd, buffer, buffer.length);
                ByteBuffer datagram = ByteBuffer.wrap(buffer, 0, (int) received).order(ByteOrder.nativeOrder());
                int position = 0;
                while (position + HEADER <= received) {
                    int length = datagram.getInt(position);
                    short type = datagram.getShort(position + 4);
                    int replySequence = datagram.getInt(position + 8);
                    if (length < HEADER || position + length > received) {
                        throw new IOException("a malformed netlink answer");
                    }
                    if (replySequence == sequence) {
                        if (type == NLMSG_DONE) {
                            return replies;
                        }
                        if (type == NLMSG_ERROR) {
                            int error = -datagram.getInt(position + HEADER);
                            if (error != 0) {
                                throw new IOException(errorMessage(datagram.slice(position, length)
                                        .order(ByteOrder.nativeOrder()), error));
                            }
                            return replies;
                        }
                        if (type == replyType) {
                            byte[] copy = new byte[length];
                            System.arraycopy(buffer, position, copy, 0, length);
                            replies.add(ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder()));
                        }
                    }
                    position += align(length);
                }
            }
        } catch (LastErrorException e) {
            throw new IOException("netlink: " + strerror(e)
                    + (e.getErrorCode() == 11 ? " (no answer within " + TIMEOUT_SECONDS + " s)" : ""));
        } finally {
            c.close(fd);
        }
    }
}
