package org.qvm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The small value types: sizes, addresses, links, names, labels, suggestions. */
class ValuesTest {
    @Test
    void sizesTakeBinaryUnitsAndBareMib() {
        assertEquals(2L << 30, Size.parse("2G").bytes());
        assertEquals(10L << 30, Size.parse("10GiB").bytes());
        assertEquals(512L << 20, Size.parse("512m").bytes());
        assertEquals(2048L << 20, Size.parse("2048").bytes());
        assertEquals(4L << 10, Size.parse("4K").bytes());
        assertEquals(1L << 40, Size.parse("1T").bytes());
        assertEquals("1536M", Size.parse("1536M").toString());
        assertEquals("10G", Size.parse("10240M").toString());
        for (String bad : List.of("", "G", "2.5G", "-1G", "10X", "1 0G", "99999999999999T")) {
            assertThrows(IllegalArgumentException.class, () -> Size.parse(bad), bad);
        }
    }

    @Test
    void ipv4AddressesAreStrict() {
        assertEquals("10.0.0.7", Ipv4Address.parse("10.0.0.7").toString());
        assertEquals("255.255.255.255", Ipv4Address.parse("255.255.255.255").toString());
        for (String bad : List.of("10.0.0", "10.0.0.256", "10.0.0.07", "a.b.c.d", "10.0.0.1.", "", "1.2.3.4/31")) {
            assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(bad), bad);
        }
    }

    @Test
    void networksRejectHostBitsAndKnowWhatTheyContain() {
        Ipv4Network pool = Ipv4Network.parse("10.0.0.0/24");
        assertTrue(pool.contains(Ipv4Address.parse("10.0.0.255")));
        assertFalse(pool.contains(Ipv4Address.parse("10.0.1.0")));
        assertEquals(256, pool.size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Network.parse("10.0.0.1/24"));
        assertTrue(e.getMessage().contains("the network is 10.0.0.0/24"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ipv4Network.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Network.parse("10.0.0.0"));
    }

    @Test
    void aPoolIsCarvedIntoSlash31sLikeTheArticle() {
        List<PointToPointLink> links = PointToPointLink.carve(Ipv4Network.parse("10.0.0.0/24"));
        assertEquals(126, links.size());
        assertEquals(126, PointToPointLink.capacity(Ipv4Network.parse("10.0.0.0/24")));
        assertEquals("10.0.0.2", links.get(0).host().toString());
        assertEquals("10.0.0.3", links.get(0).guest().toString());
        assertEquals("10.0.0.253", links.get(links.size() - 1).guest().toString());
        assertEquals(2, PointToPointLink.carve(Ipv4Network.parse("192.168.5.8/29")).size());
        assertEquals("10.0.0.6/31", PointToPointLink.forGuest(Ipv4Address.parse("10.0.0.7")).network().toString());
        assertThrows(IllegalArgumentException.class, () -> PointToPointLink.forGuest(Ipv4Address.parse("10.0.0.6")));
    }

    @Test
    void vmNamesFitEveryDerivedName() {
        for (String good : List.of("dev", "a", "untrusted", "sys-net", "work2", "abcdefghijk")) {
            assertTrue(VmName.isValid(good), good);
            assertTrue(("qvm-" + good).length() <= 15, "tap name fits");
        }
        for (String bad : List.of("", "Dev", "2dev", "-dev", "dev-", "dev_1", "dev.x", "abcdefghijkl", "../x", "dév")) {
            assertFalse(VmName.isValid(bad), bad);
        }
        assertEquals(Optional.empty(), VmName.problem("dev"));
        assertTrue(VmName.problem("Dev").orElseThrow().contains(VmName.RULE));
        assertTrue(VmName.problem("host").orElseThrow().contains("the host's name"), "a VM cannot pass its files off as the host's");
        assertTrue(VmName.problem("dom0").isPresent());
    }

    @Test
    void labelsAreQubesColours() {
        assertEquals(Label.GREEN, Label.parse("green"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Label.parse("pink"));
        assertTrue(e.getMessage().contains("red, orange, yellow, green, gray, blue, purple, black"), e.getMessage());
    }

    @Test
    void suggestionsFindCloseNamesOnly() {
        List<String> keys = List.of("memory", "cpus", "label", "kernel-params");
        assertEquals(Optional.of("memory"), Suggestion.closest("memroy", keys));
        assertEquals(Optional.of("cpus"), Suggestion.closest("cpu", keys));
        assertEquals(Optional.of("kernel-params"), Suggestion.closest("kernel_params", keys));
        assertEquals(Optional.empty(), Suggestion.closest("colour", keys));
    }
}
