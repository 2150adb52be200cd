package org.qvm.network;

import org.qvm.plan.KernelSettings;

/**
 * The per-interface sysctls the network uses, written with '/' separators so that interface
 * names containing '.' (VLANs) stay one path element.
 */
final class Sysctl {
    private Sysctl() {
    }

    static String ipv4Forwarding(String ifname) {
        return "net/ipv4/conf/" + ifname + "/forwarding";
    }

    static String ipv6Disabled(String ifname) {
        return "net/ipv6/conf/" + ifname + "/disable_ipv6";
    }

    /**
     * What every VM's tap is set to, in this order: no IPv6; forwarding (to the uplink, under the
     * firewall's rules); strict reverse-path filtering (a packet whose source is not routed back
     * through the tap is dropped: no other VM's address, no outside address); ARP answered only
     * for the tap's own address (arp_ignore=1) and asked only from it (arp_announce=2), so a guest
     * learns nothing of the other VMs' gateways. The kernel uses the larger of
     * {@code conf/all/rp_filter} and the tap's, so a host whose {@code all} is 2 (loose, systemd's
     * default) filters the taps loosely: the firewall's own source checks do not depend on it.
     */
    static java.util.Map<String, String> forTap(String tap) {
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.put(ipv6Disabled(tap), "1");
        settings.put(ipv4Forwarding(tap), "1");
        settings.put("net/ipv4/conf/" + tap + "/rp_filter", "1");
        settings.put("net/ipv4/conf/" + tap + "/arp_ignore", "1");
        settings.put("net/ipv4/conf/" + tap + "/arp_announce", "2");
        return settings;
    }

    /** The interface a per-interface key is about. */
    static String interfaceOf(String key) {
        return key.split("/")[3];
    }

    /** One setting, written in this process (shown as {@code sysctl -q -w}). */
    static KernelSettings set(String key, String value) {
        return KernelSettings.of(key, value);
    }

    /** Several settings, in their order, written in this process (shown as one {@code sysctl -q -w}). */
    static KernelSettings setAll(java.util.Map<String, String> settings) {
        return new KernelSettings(settings);
    }
}
