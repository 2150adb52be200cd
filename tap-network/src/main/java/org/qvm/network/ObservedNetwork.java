package org.qvm.network;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the network looks like now, as read by {@link NetworkProbe}: the planner's only input
 * besides the configuration.
 *
 * @param links      every interface, by name
 * @param table      the suite's nftables table {@code inet qvm}, if it exists
 * @param sysctls    the values read of the sysctls the planner asked about, by key
 */
public record ObservedNetwork(Map<String, Link> links, Optional<QvmTable> table, Map<String, String> sysctls) {

    public ObservedNetwork {
        links = Map.copyOf(links);
        sysctls = Map.copyOf(sysctls);
    }

    public static final ObservedNetwork EMPTY = new ObservedNetwork(Map.of(), Optional.empty(), Map.of());

    public Optional<Link> link(String name) {
        return Optional.ofNullable(links.get(name));
    }

    public Optional<String> sysctl(String key) {
        return Optional.ofNullable(sysctls.get(key));
    }

    /** One network interface. {@code tap} is present for tun/tap devices in tap mode. */
    public record Link(String name, Optional<Tap> tap, String alias, boolean up, List<String> ipv4Addresses) {
        public Link {
            alias = alias == null ? "" : alias;
            ipv4Addresses = List.copyOf(ipv4Addresses);
        }
    }

    /** The settings of a tap device. */
    public record Tap(boolean vnetHdr, boolean persistent, boolean multiQueue, boolean packetInfo, String user) {
    }

    /**
     * The table {@code inet qvm}.
     *
     * @param chains       the names of its chains
     * @param maps         its verdict maps: map name -> (interface name -> chain it jumps to)
     * @param ruleComments chain name -> the comments of its rules, in order ("" for none)
     */
    public record QvmTable(Set<String> chains, Map<String, Map<String, String>> maps,
                           Map<String, List<String>> ruleComments) {
        public QvmTable {
            chains = Set.copyOf(chains);
            maps = Map.copyOf(maps);
            ruleComments = Map.copyOf(ruleComments);
        }

        public List<String> commentsOf(String chain) {
            return ruleComments.getOrDefault(chain, List.of());
        }

        /** The interfaces that have an entry in any of the maps: the taps of VMs whose network is up. */
        public Set<String> interfacesInMaps() {
            Set<String> names = new java.util.TreeSet<>();
            maps.values().forEach(map -> names.addAll(map.keySet()));
            return names;
        }
    }
}
