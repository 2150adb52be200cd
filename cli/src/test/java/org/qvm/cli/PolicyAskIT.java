package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.plan.Command;
import org.qvm.plan.CommandResult;
import org.qvm.plan.ProcessRunner;
import org.qvm.testsupport.Examples;

/**
 * The real bin/qvm-policy-ask with a stand-in zenity on its PATH (which records its arguments and
 * plays the user): what it asks, with the VMs' labels, and how the answer comes back to qvmd.
 */
class PolicyAskIT {
    @TempDir
    Path dir;
    Path zenityLog;
    Path answer;
    Path config;

    @BeforeEach
    void aDesktopWithAStandInZenity() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        zenityLog = dir.resolve("zenity.log");
        answer = dir.resolve("answer");
        Path zenity = bin.resolve("zenity");
        // Prints the answer file's first line and exits with the status in its second.
        Files.writeString(zenity, """
                #!/bin/sh
                printf '%%s\\n' "$@" > %1$s
                { read -r out; read -r status; } < %2$s
                [ -n "$out" ] && echo "$out"
                exit "$status"
                """.formatted(zenityLog, answer));
        assertTrue(zenity.toFile().setExecutable(true));
        config = dir.resolve("qvm.toml");
        Files.writeString(config, "state-dir = \"%1$s/run\"\ndata-dir = \"%1$s/lib\"\n".formatted(dir));
        Files.createDirectories(dir.resolve("vms"));
        Files.writeString(dir.resolve("vms/untrusted.toml"), "label = \"red\"\n");
        Files.writeString(dir.resolve("vms/work.toml"), "label = \"blue\"\n");
    }

    private CommandResult ask(String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of(Examples.repositoryRoot().resolve("bin/qvm-policy-ask").toString()));
        argv.addAll(List.of(args));
        return new ProcessRunner().run(Command.of(argv).withTimeout(Duration.ofMinutes(1))
                .withEnvironment("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"))
                .withEnvironment("WAYLAND_DISPLAY", "wayland-test")
                .withEnvironment("QVM_CONFIG", config.toString()));
    }

    private List<String> zenityArguments() throws Exception {
        return Files.readAllLines(zenityLog);
    }

    @Test
    void oneTargetIsAllowOrDenyAndTheAnswerIsTheTarget() throws Exception {
        Files.writeString(answer, "\n0\n");
        CommandResult allowed = ask("dev", "qubes.Filecopy", "untrusted");
        assertEquals(0, allowed.exitStatus(), allowed.stderr());
        assertEquals("untrusted\n", allowed.stdout());
        List<String> asked = zenityArguments();
        assertTrue(asked.contains("--question"), asked.toString());
        assertTrue(String.join("\n", asked).contains("The VM dev wants to copy files to the VM untrusted (red)."), asked.toString());

        Files.writeString(answer, "\n1\n");
        CommandResult denied = ask("dev", "qubes.Filecopy", "untrusted");
        assertEquals(1, denied.exitStatus());
        assertEquals("", denied.stdout());
    }

    @Test
    void severalTargetsAreAListWithLabelsAndOnlyACandidateIsAnAnswer() throws Exception {
        Files.writeString(answer, "work\n0\n");
        CommandResult picked = ask("dev", "qubes.OpenURL", "untrusted", "work");
        assertEquals(0, picked.exitStatus(), picked.stderr());
        assertEquals("work\n", picked.stdout());
        List<String> asked = zenityArguments();
        assertTrue(asked.contains("--radiolist"), asked.toString());
        assertEquals(List.of("TRUE", "untrusted", "red", "FALSE", "work", "blue"), asked.subList(asked.size() - 6, asked.size()));

        Files.writeString(answer, "banking\n0\n");
        assertEquals(1, ask("dev", "qubes.OpenURL", "untrusted", "work").exitStatus(), "banking was not offered");
    }

    @Test
    void withoutADesktopNobodyIsAskedAndTheAnswerIsNo() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(noWaylandSession(), "this machine has a desktop session in /run/user");
        Files.writeString(answer, "\n0\n");
        // No display in the environment, and no user's Wayland session in /run/user.
        CommandResult result = new ProcessRunner().run(Command.of(List.of("env", "-u", "WAYLAND_DISPLAY", "-u", "DISPLAY",
                "PATH=" + dir.resolve("bin") + ":" + System.getenv("PATH"), "QVM_CONFIG=" + config,
                Examples.repositoryRoot().resolve("bin/qvm-policy-ask").toString(), "dev", "qubes.Filecopy", "untrusted"))
                .withTimeout(Duration.ofMinutes(1)));
        assertEquals(1, result.exitStatus(), result.stderr());
        assertTrue(result.stderr().contains("no desktop session to ask in"), result.stderr());
        assertTrue(Files.notExists(zenityLog), "no dialog was shown");
    }

    private static boolean noWaylandSession() throws Exception {
        if (Files.notExists(Path.of("/run/user"))) {
            return true;
        }
        try (var users = Files.list(Path.of("/run/user"))) {
            return users.noneMatch(user -> {
                try (var entries = Files.list(user)) {
                    return entries.anyMatch(entry -> entry.getFileName().toString().matches("wayland-\\d+"));
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        }
    }
}
