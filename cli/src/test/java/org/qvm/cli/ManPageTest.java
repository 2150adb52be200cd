package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qvm.plan.Command;
import org.qvm.plan.CommandResult;
import org.qvm.plan.ProcessRunner;
import org.qvm.testsupport.Programs;

/** Every tool's manual page, rendered by groff as man(1) would, without warnings. */
class ManPageTest {
    @TempDir
    Path dir;

    @Test
    void everyToolHasAPageThatRendersCleanly() throws Exception {
        Assumptions.assumeTrue(Programs.which("groff").isPresent(), "groff is not installed");
        ProcessRunner runner = new ProcessRunner();
        for (ToolModel tool : ToolModel.all()) {
            Path page = Files.writeString(dir.resolve(tool.name() + ".1"), ManPage.render(tool));
            CommandResult rendered = runner.check(Command.of("groff", "-man", "-Tutf8", "-ww", page.toString())
                    .withEnvironment("MANWIDTH", "80"));
            assertEquals("", rendered.stderr(), tool.name() + ": groff warnings");
            String text = rendered.stdout().replaceAll(".\b", "");
            assertTrue(text.contains("SYNOPSIS") && text.contains("OPTIONS") && text.contains("EXIT STATUS"), tool.name());
            assertTrue(text.contains(tool.name() + " - " + tool.header()), tool.name() + ": " + text.lines().limit(5).toList());
        }
    }

    @Test
    void pagesShowTheArticlesWorkflowAndSubcommands() {
        String run = ManPage.render(ToolModel.all().stream().filter(t -> t.name().equals("qvm-run")).findFirst().orElseThrow());
        assertTrue(run.contains(".B qvm\\-run dev firefox"), run);
        String volume = ManPage.render(ToolModel.all().stream().filter(t -> t.name().equals("qvm-volume")).findFirst().orElseThrow());
        assertTrue(volume.contains(".SS resize"), volume);
        assertTrue(ManPage.escape(".hidden\n'quote").startsWith("\\&.hidden\n\\&'quote"));
    }
}
