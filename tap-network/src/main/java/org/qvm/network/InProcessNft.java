package org.qvm.network;

import java.io.IOException;
import java.util.List;
import org.qvm.plan.Command;
import org.qvm.plan.LocalAction;

/**
 * An {@code nft} command of a plan (a transaction, {@code nft -f -} with its script, or one
 * command, {@code nft WORDS...}) done by nftables' library in this process (see {@link Libnftables}),
 * where the library is there and the runner's commands run in this process's network namespace;
 * shown, and named when it fails, as the command.
 */
record InProcessNft(Command equivalent) implements LocalAction {
    InProcessNft {
        List<String> argv = equivalent.argv();
        boolean script = argv.equals(List.of("nft", "-f", "-")) && equivalent.stdin().isPresent();
        boolean words = equivalent.program().equals("nft") && argv.size() > 1 && !argv.get(1).startsWith("-");
        if (!script && !words) {
            throw new IllegalArgumentException("not an nft transaction or plain nft command: " + equivalent.render());
        }
    }

    /** What nft would read: the script of {@code nft -f -}, or the words of {@code nft WORDS...} as one line. */
    String commands() {
        List<String> argv = equivalent.argv();
        return argv.get(1).equals("-f") ? equivalent.stdin().orElseThrow()
                : String.join(" ", argv.subList(1, argv.size())) + "\n";
    }

    @Override
    public boolean availableHere() {
        return Libnftables.available();
    }

    @Override
    public void perform() throws IOException {
        Libnftables.Result result = Libnftables.run(commands(), false);
        if (!result.succeeded()) {
            throw new IOException(result.errors().strip());
        }
    }
}
