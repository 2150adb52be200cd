package org.qvm.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qvm.plan.Command;
import org.qvm.plan.Plan;

/** Which ip commands are done in this process, what each asks of the kernel, and how they show. */
class InProcessIpTest {
    private static final Command TAP_BATCH = Command.of("ip", "-batch", "-")
            .withStdin("tuntap add dev qvm-dev mode tap vnet_hdr user 1000\nlink set dev qvm-dev alias qvm:dev\n");

    @Test
    void aBatchIsItsLinesInOrder() {
        assertEquals(List.of(new InProcessIp.AddTap("qvm-dev", "1000"), new InProcessIp.SetAlias("qvm-dev", "qvm:dev")),
                InProcessIp.operations(TAP_BATCH));
        assertEquals(List.of(new InProcessIp.AddAddress("qvm-dev", "10.137.0.0/31"), new InProcessIp.SetUp("qvm-dev")),
                InProcessIp.operations(Command.of("ip", "-batch", "-")
                        .withStdin("addr add 10.137.0.0/31 dev qvm-dev\nlink set dev qvm-dev up\n")));
    }

    @Test
    void singleCommandsAreTheirWords() {
        assertEquals(List.of(new InProcessIp.DeleteLink("qvm-dev")),
                InProcessIp.operations(Command.of("ip", "link", "del", "dev", "qvm-dev")));
        assertEquals(List.of(new InProcessIp.DeleteAddress("qvm-dev", "10.0.0.4/31")),
                InProcessIp.operations(Command.of("ip", "addr", "del", "10.0.0.4/31", "dev", "qvm-dev")));
        assertEquals(List.of(new InProcessIp.AddAddress("qvm-dev", "10.0.0.4/31")),
                InProcessIp.operations(Command.of("ip", "addr", "add", "10.0.0.4/31", "dev", "qvm-dev")));
        assertEquals(List.of(new InProcessIp.SetUp("qvm-dev")),
                InProcessIp.operations(Command.of("ip", "link", "set", "dev", "qvm-dev", "up")));
    }

    @Test
    void itShowsAsTheCommandItStandsFor() {
        assertEquals(Plan.builder().run(TAP_BATCH).build().render(), Plan.builder().run(InProcessIp.step(TAP_BATCH)).build().render());
        assertEquals(TAP_BATCH.renderWithInput(), InProcessIp.step(TAP_BATCH).renderWithInput(),
                "--dry-run -v shows the batch's lines");
        assertInstanceOf(InProcessIp.class, InProcessIp.step(TAP_BATCH));
    }

    @Test
    void anythingElseStaysACommand() {
        for (Command other : List.of(Command.of("ip", "-j", "-d", "address", "show"),
                Command.of("ip", "route", "add", "default", "via", "10.0.0.1"),
                Command.of("ip", "link", "set", "dev", "qvm-dev", "down"),
                Command.of("ip", "tuntap", "add", "dev", "qvm-dev", "mode", "tun"),
                Command.of("ip", "-n", "other", "link", "del", "dev", "qvm-dev"),
                Command.of("ip", "-batch", "-").withStdin("link del dev qvm-a\nroute flush all\n"),
                Command.of("ip", "link", "del", "dev", "qvm-dev").withStdin("x"),
                Command.of("nft", "link", "del", "dev", "qvm-dev"))) {
            assertSame(other, InProcessIp.step(other), other.renderWithInput());
        }
        assertThrows(IllegalArgumentException.class, () -> new InProcessIp(Command.of("ip", "-batch", "-")), "no lines");
    }
}
