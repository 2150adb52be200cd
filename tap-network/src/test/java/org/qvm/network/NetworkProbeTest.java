package org.qvm.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Parsing of what ip and nft print (samples taken from iproute2 6.1 and nftables 1.0.6). */
class NetworkProbeTest {
    @Test
    void linksWithTapDetailsAliasesAndAddresses() {
        Map<String, ObservedNetwork.Link> links = NetworkProbe.parseLinks("""
                [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8},{"family":"inet6","local":"::1","prefixlen":128}]},
                 {"ifindex":2,"ifname":"qvm-dev","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],
                  "linkinfo":{"info_kind":"tun","info_data":{"type":"tap","pi":false,"vnet_hdr":true,"multi_queue":false,"persist":true,"user":"nobody"}},
                  "ifalias":"qvm:dev","addr_info":[{"family":"inet","local":"10.0.0.8","prefixlen":31}]},
                 {"ifindex":3,"ifname":"tun0","flags":["POINTOPOINT"],"linkinfo":{"info_kind":"tun","info_data":{"type":"tun"}},"addr_info":[]}]
                """);
        assertEquals(List.of("127.0.0.1/8"), links.get("lo").ipv4Addresses());
        ObservedNetwork.Link tap = links.get("qvm-dev");
        assertEquals(Optional.of(new ObservedNetwork.Tap(true, true, false, false, "nobody")), tap.tap());
        assertEquals("qvm:dev", tap.alias());
        assertTrue(tap.up());
        assertEquals(List.of("10.0.0.8/31"), tap.ipv4Addresses());
        assertEquals(Optional.empty(), links.get("tun0").tap(), "a tun device is not a tap");
        assertEquals("", links.get("tun0").alias());
    }

    @Test
    void theTableWithMapsChainsAndRuleComments() {
        ObservedNetwork.QvmTable table = NetworkProbe.parseTable("""
                {"nftables": [{"metainfo": {"version": "1.0.6"}},
                 {"table": {"family": "inet", "name": "qvm", "handle": 1}},
                 {"map": {"family": "inet", "name": "vm_from", "table": "qvm", "type": "ifname", "handle": 1, "map": "verdict",
                          "elem": [["qvm-dev", {"jump": {"target": "vm-dev-from"}}]]}},
                 {"map": {"family": "inet", "name": "vm_to", "table": "qvm", "type": "ifname", "handle": 2, "map": "verdict"}},
                 {"chain": {"family": "inet", "table": "qvm", "name": "forward", "handle": 3, "type": "filter", "hook": "forward"}},
                 {"chain": {"family": "inet", "table": "qvm", "name": "vm-dev-from", "handle": 4}},
                 {"rule": {"family": "inet", "table": "qvm", "chain": "vm-dev-from", "handle": 5, "comment": "qvm vm=dev sum=abc", "expr": []}},
                 {"rule": {"family": "inet", "table": "qvm", "chain": "vm-dev-from", "handle": 6, "expr": [{"drop": null}]}}]}
                """);
        assertEquals(java.util.Set.of("forward", "vm-dev-from"), table.chains());
        assertEquals(Map.of("qvm-dev", "vm-dev-from"), table.maps().get("vm_from"));
        assertEquals(Map.of(), table.maps().get("vm_to"));
        assertEquals(List.of("qvm vm=dev sum=abc", ""), table.commentsOf("vm-dev-from"));
        assertEquals(java.util.Set.of("qvm-dev"), table.interfacesInMaps());
    }

    @Test
    void garbageIsAClearError() {
        NetworkException e = assertThrows(NetworkException.class, () -> NetworkProbe.parseLinks("not json"));
        assertTrue(e.getMessage().startsWith("cannot parse the JSON of ip or nft"), e.getMessage());
    }

    @Test
    void theBaseCommentRemembersTheUplinkAndItsForwarding() {
        String comment = BaseComment.format("0123456789ab", "eno2", "0");
        assertEquals(Optional.of("0123456789ab"), BaseComment.checksum(comment));
        assertEquals(Optional.of("eno2"), BaseComment.uplink(comment));
        assertEquals(Optional.of("0"), BaseComment.forwardingWas(comment));
        assertEquals(Optional.empty(), BaseComment.uplink("someone else's comment uplink=x"));
    }
}
