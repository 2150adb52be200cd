package org.qvm.network;

import org.qvm.plan.Command;

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

    /** The interface a per-interface key is about. */
    static String interfaceOf(String key) {
        return key.split("/")[3];
    }

    static Command set(String key, String value) {
        return Command.of("sysctl", "-q", "-w", key + "=" + value);
    }
}
