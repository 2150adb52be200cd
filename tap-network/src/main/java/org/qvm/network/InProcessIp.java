package org.qvm.network;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.qvm.plan.Action;
import org.qvm.plan.Command;
import org.qvm.plan.LocalAction;

/**
 * An {@code ip} command of a network plan (one command, or {@code ip -batch -} with its lines)
 * done in this process by the kernel's interfaces (see {@link Rtnetlink}) where the runner's
 * commands run in this process's network namespace; shown, and named when it fails, as the
 * command. Only the few forms the planner writes are understood; any other stays a command.
 */
record InProcessIp(Command equivalent) implements LocalAction {
    InProcessIp {
        operations(equivalent);
    }

    /** The plan's step for an ip command: done in this process if it is understood, else the command itself. */
    static Action step(Command command) {
        try {
            return new InProcessIp(command);
        } catch (IllegalArgumentException e) {
            return command;
        }
    }

    /** One thing ip does, as the kernel is asked to do it. */
    sealed interface Operation {
        void perform() throws IOException;
    }

    /** {@code tuntap add dev NAME mode tap vnet_hdr user USER}. */
    record AddTap(String name, String user) implements Operation {
        @Override
        public void perform() throws IOException {
            String uid = UserIds.uid(user).orElseThrow(() -> new IOException("invalid user \"" + user + "\""));
            Rtnetlink.addTap(name, Integer.parseUnsignedInt(uid));
        }
    }

    /** {@code link set dev NAME alias ALIAS}. */
    record SetAlias(String name, String alias) implements Operation {
        @Override
        public void perform() throws IOException {
            Rtnetlink.setAlias(name, alias);
        }
    }

    /** {@code link set dev NAME up}. */
    record SetUp(String name) implements Operation {
        @Override
        public void perform() throws IOException {
            Rtnetlink.setUp(name);
        }
    }

    /** {@code link del dev NAME}. */
    record DeleteLink(String name) implements Operation {
        @Override
        public void perform() throws IOException {
            Rtnetlink.deleteLink(name);
        }
    }

    /** {@code addr add ADDRESS/PREFIX dev NAME}. */
    record AddAddress(String name, String address) implements Operation {
        @Override
        public void perform() throws IOException {
            Rtnetlink.addAddress(name, address);
        }
    }

    /** {@code addr del ADDRESS/PREFIX dev NAME}. */
    record DeleteAddress(String name, String address) implements Operation {
        @Override
        public void perform() throws IOException {
            Rtnetlink.deleteAddress(name, address);
        }
    }

    /**
     * What the command asks of the kernel, in order.
     *
     * @throws IllegalArgumentException if it is not one of the forms understood here
     */
    static List<Operation> operations(Command command) {
        List<String> argv = command.argv();
        if (!command.program().equals("ip") || argv.size() < 2) {
            throw new IllegalArgumentException("not an ip command: " + command.render());
        }
        if (argv.equals(List.of("ip", "-batch", "-"))) {
            List<Operation> operations = new ArrayList<>();
            for (String line : command.stdin().orElseThrow(() -> new IllegalArgumentException("ip -batch - without input"))
                    .split("\n")) {
                if (!line.isBlank()) {
                    operations.add(operation(List.of(line.strip().split(" +"))));
                }
            }
            return operations;
        }
        if (command.stdin().isPresent()) {
            throw new IllegalArgumentException("an ip command with input: " + command.render());
        }
        return List.of(operation(argv.subList(1, argv.size())));
    }

    private static Operation operation(List<String> words) {
        if (words.size() == 9 && matches(words, "tuntap", "add", "dev", null, "mode", "tap", "vnet_hdr", "user", null)) {
            return new AddTap(words.get(3), words.get(8));
        }
        if (words.size() == 6 && matches(words, "link", "set", "dev", null, "alias", null)) {
            return new SetAlias(words.get(3), words.get(5));
        }
        if (words.size() == 5 && matches(words, "link", "set", "dev", null, "up")) {
            return new SetUp(words.get(3));
        }
        if (words.size() == 4 && matches(words, "link", "del", "dev", null)) {
            return new DeleteLink(words.get(3));
        }
        if (words.size() == 5 && matches(words, "addr", "add", null, "dev", null)) {
            return new AddAddress(words.get(4), words.get(2));
        }
        if (words.size() == 5 && matches(words, "addr", "del", null, "dev", null)) {
            return new DeleteAddress(words.get(4), words.get(2));
        }
        throw new IllegalArgumentException("not an ip command done in this process: ip " + String.join(" ", words));
    }

    /** Whether the words are the pattern's, where null stands for any word. */
    private static boolean matches(List<String> words, String... pattern) {
        for (int i = 0; i < pattern.length; i++) {
            if (pattern[i] != null && !pattern[i].equals(words.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean availableHere() {
        return Rtnetlink.available();
    }

    /**
     * Does the operations in order and stops at the first that fails, as ip does (a batch says
     * which of its lines failed, as {@code ip -batch -} would).
     */
    @Override
    public void perform() throws IOException {
        List<Operation> operations = operations(equivalent);
        boolean batch = equivalent.argv().contains("-batch");
        for (int i = 0; i < operations.size(); i++) {
            try {
                operations.get(i).perform();
            } catch (IOException e) {
                throw batch ? new IOException(e.getMessage() + "\nCommand failed -:" + (i + 1), e) : e;
            }
        }
    }
}
