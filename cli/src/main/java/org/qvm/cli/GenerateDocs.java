package org.qvm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the manual pages ({@code man DIR}: one NAME.1 per tool) or the shell completions
 * ({@code completions DIR}: qvm.bash, _qvm, qvm.fish) from the tools' command models. The build
 * makes the manual pages; the completions are kept in the repository (completions/), and a test
 * fails when they are stale.
 */
public final class GenerateDocs {
    private GenerateDocs() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !List.of("man", "completions").contains(args[0])) {
            System.err.println("usage: GenerateDocs man|completions DIR");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[1]));
        List<ToolModel> tools = ToolModel.all();
        if (args[0].equals("man")) {
            for (ToolModel tool : tools) {
                Files.writeString(dir.resolve(tool.name() + ".1"), ManPage.render(tool));
            }
        } else {
            Files.writeString(dir.resolve("qvm.bash"), Completions.bash(tools));
            Files.writeString(dir.resolve("_qvm"), Completions.zsh(tools));
            Files.writeString(dir.resolve("qvm.fish"), Completions.fish(tools));
        }
    }
}
