package org.qvm.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qvm.plan.Command;
import org.qvm.plan.Plan;

/** What an in-process nft step hands the library, and how it shows. */
class InProcessNftTest {
    @Test
    void aTransactionHandsOverItsScriptAndShowsAsNftDashF() {
        Command transaction = NftRuleset.transaction(List.of(NftRuleset.addTable(),
                NftRuleset.nft("add", "chain", "inet", "qvm", "vm-dev-from")));
        InProcessNft step = new InProcessNft(transaction);
        assertEquals("add table inet qvm\nadd chain inet qvm vm-dev-from\n", step.commands());
        assertEquals(Plan.builder().run(transaction).build().render(), Plan.builder().run(step).build().render(),
                "--dry-run shows the transaction as before");
    }

    @Test
    void oneCommandHandsOverItsWordsAsOneLineAsNftJoinsThem() {
        InProcessNft step = new InProcessNft(NftRuleset.nft("add", "map", "inet", "qvm", "vm_from", "{ type ifname : verdict ; }"));
        assertEquals("add map inet qvm vm_from { type ifname : verdict ; }\n", step.commands());
        assertEquals("delete table inet qvm\n", new InProcessNft(NftRuleset.deleteTable()).commands());
    }

    @Test
    void onlyNftTransactionsAndPlainCommandsAreTaken() {
        assertThrows(IllegalArgumentException.class, () -> new InProcessNft(Command.of("ip", "link", "show")));
        assertThrows(IllegalArgumentException.class, () -> new InProcessNft(Command.of("nft", "-j", "list", "ruleset")));
        assertThrows(IllegalArgumentException.class, () -> new InProcessNft(Command.of("nft", "-f", "-")), "no script");
        assertThrows(IllegalArgumentException.class, () -> new InProcessNft(Command.of("nft", "-f", "/etc/nftables.conf")));
        assertThrows(IllegalArgumentException.class, () -> new InProcessNft(Command.of("nft")));
    }
}
