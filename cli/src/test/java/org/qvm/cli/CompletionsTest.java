package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.qvm.plan.Command;
import org.qvm.plan.CommandResult;
import org.qvm.plan.ProcessRunner;
import org.qvm.testsupport.Examples;
import org.qvm.testsupport.Programs;

/** The completion scripts in completions/: current with the tools, and working in real shells. */
class CompletionsTest {
    private static final Path DIR = Examples.repositoryRoot().resolve("completions");
    private static final ProcessRunner RUNNER = new ProcessRunner();
    private static final String CONFIG = Examples.repositoryRoot().resolve("examples/qvm.toml").toString();

    @Test
    void theScriptsInTheRepositoryAreWhatTheToolsGenerate() throws Exception {
        List<ToolModel> tools = ToolModel.all();
        String stale = "stale: run `java -cp cli/target/qvm.jar org.qvm.cli.GenerateDocs completions completions`";
        assertEquals(Completions.bash(tools), Files.readString(DIR.resolve("qvm.bash")), stale);
        assertEquals(Completions.zsh(tools), Files.readString(DIR.resolve("_qvm")), stale);
        assertEquals(Completions.fish(tools), Files.readString(DIR.resolve("qvm.fish")), stale);
    }

    /** What bash offers for the line, as the completion function it registered computes it. */
    private static List<String> bash(String line) {
        String script = "source \"$1\"; complete -p \"${2%% *}\" >/dev/null || exit 9; COMP_LINE=$2; COMP_POINT=${#COMP_LINE}; "
                + "read -r -a words <<<\"$COMP_LINE\"; function=$(complete -p \"${words[0]}\" | sed 's/.*-F \\([^ ]*\\) .*/\\1/'); "
                + "$function; printf '%s\\n' \"${COMPREPLY[@]}\"";
        CommandResult result = RUNNER.check(Command.of("bash", "-c", script, "bash", DIR.resolve("qvm.bash").toString(), line)
                .withEnvironment("QVM_CONFIG", CONFIG));
        return result.stdout().lines().filter(word -> !word.isEmpty()).toList();
    }

    @Test
    void bashCompletesVmNamesOptionsAndValuesWithoutAJvm() {
        assertEquals(List.of("shopping"), bash("qvm-start sh"));
        assertEquals(List.of("banking", "com", "dev", "personal", "shopping", "untrusted"), bash("qvm-shutdown --wait "));
        assertEquals(List.of("--skip-if-running"), bash("qvm-start --sk"));
        assertEquals(List.of("green", "gray"), bash("qvm-ls --label g"));
        assertEquals(List.of("name,shares", "name,state"), bash("qvm-ls --fields name,s").stream().sorted().toList());
        assertEquals(List.of("auto", "always", "never"), bash("qvm-ls --color "));
        assertEquals(List.of("untrusted"), bash("qvm-start --all --exclude un"));
        assertEquals(List.of("dev"), bash("qvm-run -p d"), "the VM comes first");
        assertEquals(List.of("dev:private"), bash("qvm-volume resize de"));
        assertEquals(List.of("private"), bash("qvm-volume info dev:p"), "bash splits at ':', so only the rest is offered");
        assertEquals(List.of("list", "ls", "info", "resize", "remove", "rm"), bash("qvm-volume "));
        assertEquals(List.of(), bash("qvm-volume resize dev:private "), "a size is not completed");
        assertEquals(List.of("dev"), bash("qvm-copy-to-vm d"));
        assertTrue(bash("qvm-run -p dev ls").contains("ls"), "then a command");
    }

    @Test
    void theVmDirectoryComesFromTheActiveConfiguration(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("machines"));
        Files.writeString(dir.resolve("machines/alpha.toml"), "");
        Files.writeString(dir.resolve("machines/.hidden.toml"), "");
        Files.writeString(dir.resolve("qvm.toml"), "# comment\nvm-dir = 'machines'   # here\n[network]\nvm-dir = \"not-this\"\n");
        String script = "source \"$1\"; _qvm_vm_names";
        CommandResult result = RUNNER.check(Command.of("bash", "-c", script, "bash", DIR.resolve("qvm.bash").toString())
                .withEnvironment("QVM_CONFIG", dir.resolve("qvm.toml").toString()));
        assertEquals("alpha\n", result.stdout());
    }

    @Test
    void fishCompletesTheSameWay() {
        Assumptions.assumeTrue(Programs.which("fish").isPresent(), "fish is not installed");
        String script = "source $argv[1]; complete -C'qvm-start sh'; complete -C'qvm-volume resize d'; complete -C'qvm-copy-to-vm d'";
        CommandResult result = RUNNER.check(Command.of("fish", "-c", script, DIR.resolve("qvm.fish").toString())
                .withEnvironment("QVM_CONFIG", CONFIG));
        assertEquals(List.of("shopping", "dev:private", "dev"), result.stdout().lines().toList());
    }

    @Test
    void theZshScriptIsValidZsh() {
        Assumptions.assumeTrue(Programs.which("zsh").isPresent(), "zsh is not installed");
        assertTrue(RUNNER.run(Command.of("zsh", "-n", DIR.resolve("_qvm").toString())).succeeded());
    }
}
