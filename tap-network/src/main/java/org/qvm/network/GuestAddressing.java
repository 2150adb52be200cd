package org.qvm.network;

import java.util.List;
import org.qvm.config.HostConfig;
import org.qvm.config.Ipv4Address;
import org.qvm.config.PointToPointLink;

/**
 * How a guest learns its address without DHCP: the kernel's own {@code ip=} parameter,
 * {@code ip=<guest>::<host>:255.255.255.254::eth0:off:<dns0>:<dns1>}. The kernel configures eth0
 * before init runs and lists the name servers in {@code /proc/net/pnp}, which a guest can link
 * {@code /etc/resolv.conf} to. With no {@code [network] dns} in the host file, the guest is told
 * to ask its gateway (the host side of its /31), and the firewall lets DNS to it through.
 */
public final class GuestAddressing {
    /** The kernel keeps at most two name servers from {@code ip=}. */
    static final int MAX_DNS = 2;

    private GuestAddressing() {
    }

    /** The name servers the guest is told to use. */
    public static List<Ipv4Address> nameServers(HostConfig.Network network, PointToPointLink link) {
        List<Ipv4Address> dns = network.dns().isEmpty() ? List.of(link.host()) : network.dns();
        return dns.subList(0, Math.min(MAX_DNS, dns.size()));
    }

    /** Whether the guests ask the host itself for names (no {@code [network] dns} configured). */
    public static boolean hostServesDns(HostConfig.Network network) {
        return network.dns().isEmpty();
    }

    /** The kernel parameter for crosvm's {@code --params}. */
    public static String kernelParameter(HostConfig.Network network, PointToPointLink link) {
        StringBuilder param = new StringBuilder("ip=").append(link.guest()).append("::").append(link.host())
                .append(':').append(PointToPointLink.NETMASK).append("::eth0:off");
        for (Ipv4Address server : nameServers(network, link)) {
            param.append(':').append(server);
        }
        return param.toString();
    }
}
