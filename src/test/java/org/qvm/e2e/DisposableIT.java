package org.qvm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qvm.testsupport.HostSandbox;

/**
 * Disposable VMs with the stand-in hypervisor and the real agent: made for one command from a
 * disposable template, with a fresh empty home, and gone with everything they had when it ends,
 * however it ends.
 */
class DisposableIT extends Scenario {
    @BeforeEach
    void aDisposableTemplate() throws Exception {
        Files.writeString(sandbox.config, Files.readString(sandbox.config).replace("[defaults]\n", "[defaults]\ndispvm = \"dvm\"\n"));
        sandbox.vm("dvm", "disposable-template = true\n[network]\n");
        sandbox.vm("dev", "[network]\n");
    }

    private Map<String, List<String>> disposables() throws Exception {
        Map<String, List<String>> rows = new java.util.TreeMap<>(sandbox.ls("state,cid,ip"));
        rows.keySet().removeIf(name -> !name.startsWith("disp"));
        return rows;
    }

    /** Nothing of any disposable is left: no VM, volume, runtime directory, allocation, definition or lock. */
    private void nothingOfDisposablesLeft() throws Exception {
        assertEquals(Map.of(), disposables());
        try (Stream<Path> volumes = Files.list(dir.resolve("volumes"))) {
            assertEquals(List.of(), volumes.map(path -> path.getFileName().toString()).filter(name -> name.startsWith("disp"))
                    .filter(name -> !name.contains(".home")).toList(), "no disposable's volume");
        }
        try (Stream<Path> runtime = Files.list(dir.resolve("run"))) {
            assertEquals(List.of(), runtime.map(path -> path.getFileName().toString()).filter(name -> name.startsWith("disp"))
                    .filter(name -> !name.equals("disposables")).toList(), "no runtime directory or lock of a disposable");
        }
        Path allocations = dir.resolve("lib/allocations.toml");
        assertFalse(Files.exists(allocations) && Files.readString(allocations).contains("disp"), "no disposable's allocation");
        Path definitions = dir.resolve("run/disposables");
        if (Files.exists(definitions)) {
            try (Stream<Path> files = Files.list(definitions)) {
                // Lock files stay (someone may be waiting on one); the next dispN of that name takes them again.
                assertEquals(List.of(), files.map(path -> path.getFileName().toString()).filter(name -> !name.endsWith(".lock"))
                        .toList());
            }
        }
        assertTrue(sandbox.taps().stream().noneMatch(tap -> tap.contains("disp")), sandbox.taps().toString());
    }

    @Test
    void aDisposableRunsOneCommandWithAnEmptyHomeAndLeavesNothing() throws Exception {
        HostSandbox.Run template = sandbox.run("qvm-start", "dvm");
        assertNotEquals(0, template.status());
        assertTrue(template.err().contains("dvm is a disposable template: it is never started itself"), template.err());

        HostSandbox.Run run = sandbox.run("qvm-run", "--dispvm", "-p", "echo hello from a disposable; ls -A ~; exit 3");
        assertEquals(3, run.status(), run.err());
        assertEquals("hello from a disposable\n", run.out(), "an empty home: " + run.out());
        assertTrue(run.err().contains("disp1: a disposable of dvm"), run.err());
        nothingOfDisposablesLeft();

        // Again: a new one, never the old volume (what the first left in its home is not there).
        HostSandbox.assertOk(sandbox.run("qvm-run", "--dispvm=dvm", "-p", "echo secret > ~/left.txt"));
        HostSandbox.Run second = sandbox.run("qvm-run", "--dispvm=dvm", "-p", "ls -A ~");
        assertEquals("", second.out(), second.err());
        nothingOfDisposablesLeft();

        HostSandbox.Run notATemplate = sandbox.run("qvm-run", "--dispvm=dev", "-p", "true");
        assertEquals(2, notATemplate.status());
        assertTrue(notATemplate.err().contains("dev is not a disposable template"), notATemplate.err());
    }

    @Test
    void disposablesInParallelHaveTheirOwnNamesCidsAndAddresses() throws Exception {
        List<Process> runs = new ArrayList<>();
        Path gate = dir.resolve("gate");
        for (int i = 0; i < 5; i++) {
            runs.add(sandbox.start("qvm-run", "--dispvm", "-p", "i=0; while [ ! -e " + gate + " ] && [ $i -lt 600 ]; do sleep 0.1; "
                    + "i=$((i + 1)); done"));
        }
        HostSandbox.await("five disposables running", Duration.ofSeconds(120), () -> {
            try {
                return disposables().values().stream().filter(row -> row.get(0).equals("Running")).count() == 5;
            } catch (Exception e) {
                return false;
            }
        });
        Map<String, List<String>> rows = disposables();
        assertEquals(5, rows.size(), rows.toString());
        assertEquals(5, sandbox.ls("disposable").values().stream().filter(row -> "dvm".equals(row.get(0))).count(),
                "qvm-ls says what they are disposables of");
        HostSandbox.Run only = sandbox.run("qvm-ls", "--disposable", "--fields", "name");
        assertEquals(6, only.out().lines().count(), "--disposable: a header and the five: " + only.out());
        assertEquals(5, new HashSet<>(rows.values().stream().map(row -> row.get(1)).toList()).size(), "CIDs: " + rows);
        assertEquals(5, new HashSet<>(rows.values().stream().map(row -> row.get(2)).toList()).size(), "addresses: " + rows);
        Files.writeString(gate, "");
        for (Process run : runs) {
            assertTrue(run.waitFor(120, TimeUnit.SECONDS));
            HostSandbox.assertOk(sandbox.finished(run));
        }
        nothingOfDisposablesLeft();
    }

    /** A policy of one rule. */
    private void policy(String service, String source, String target, String action) throws Exception {
        Files.writeString(dir.resolve("policy.toml"), "[[rule]]\nservice = \"%s\"\nsource = \"%s\"\ntarget = \"%s\"\naction = \"%s\"\n"
                .formatted(service, source, target, action));
    }

    /** Viewers in the stand-in guests stay open until told to close (see the stand-in's "open"). */
    private void holdViewers() throws Exception {
        Files.createDirectories(dir.resolve("run"));
        Files.writeString(dir.resolve("run/hold-viewers"), "");
    }

    private void closeViewer(String vm) throws Exception {
        Files.writeString(sandbox.runtimeDir(vm).resolve("close-viewer"), "");
    }

    /** What the disposable's viewer was given, once it has been (its whole line: the file is made before it is written). */
    private String openedIn(String vm) {
        Path log = sandbox.runtimeDir(vm).resolve("opened");
        HostSandbox.await("something opened in " + vm, Duration.ofSeconds(60), () -> read(log).endsWith("\n"));
        return read(log).strip();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            return "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void qvmOpenInDvmOpensAFileOrAUrlInANewDisposableThatGoesWithTheViewer() throws Exception {
        holdViewers();
        Path file = dir.resolve("invoice.pdf");
        Files.writeString(file, "%PDF what the attachment says");
        Process open = sandbox.start("qvm-open-in-dvm", file.toString());
        String opened = openedIn("disp1");
        Path inGuest = Path.of(opened);
        assertEquals("invoice.pdf", inGuest.getFileName().toString());
        assertTrue(inGuest.getParent().getFileName().toString().startsWith("opened-"), opened);
        assertTrue(inGuest.getParent().getParent().endsWith("QubesIncoming/host"), opened);
        try (Stream<Path> incoming = Files.walk(sandbox.guestHome("disp1").resolve("QubesIncoming/host"))) {
            List<Path> files = incoming.filter(Files::isRegularFile).toList();
            assertEquals(1, files.size(), files.toString());
            assertEquals("%PDF what the attachment says", Files.readString(files.get(0)));
        }
        assertEquals(List.of("Running", "dvm"), sandbox.ls("state,disposable").get("disp1"));

        // A disposable in use is never cleaned up; one whose definition went with a reboot is.
        Files.writeString(dir.resolve("volumes/disp7-private.img"), "what a disposable left before the reboot");
        HostSandbox.Run cleanup = sandbox.run("qvm-dispvm-cleanup");
        HostSandbox.assertOk(cleanup);
        assertEquals("disp7\n", cleanup.out(), cleanup.err());
        assertFalse(Files.exists(dir.resolve("volumes/disp7-private.img")));
        assertTrue(open.isAlive(), "qvm-open-in-dvm waits for the viewer");
        assertEquals("Running", sandbox.stateOf("disp1"));

        closeViewer("disp1");
        assertTrue(open.waitFor(60, TimeUnit.SECONDS));
        HostSandbox.assertOk(sandbox.finished(open));
        nothingOfDisposablesLeft();

        // A URL opens the same way.
        Process url = sandbox.start("qvm-open-in-dvm", "https://example.org/a?b=c");
        assertEquals("https://example.org/a?b=c", openedIn("disp1"));
        closeViewer("disp1");
        assertTrue(url.waitFor(60, TimeUnit.SECONDS));
        HostSandbox.assertOk(sandbox.finished(url));
        nothingOfDisposablesLeft();

        HostSandbox.Run notAUrl = sandbox.run("qvm-open-in-dvm", "file:///etc/shadow");
        assertEquals(2, notAUrl.status(), notAUrl.err());
        assertEquals(Map.of(), disposables(), "nothing was made for it");
    }

    @Test
    void aGuestsQvmOpenInDvmGoesThroughQvmdAndThePolicyToANewDisposable() throws Exception {
        Files.writeString(sandbox.config, Files.readString(sandbox.config) + """
                [policy]
                file = "%s/policy.toml"
                ask-command = ["false"]
                """.formatted(dir));
        policy("qubes.OpenInDVM", "dev", "@dispvm", "allow");
        holdViewers();
        Process qvmd = sandbox.start("qvmd");
        try {
            HostSandbox.assertOk(sandbox.run("qvm-start", "dev"));
            Path socket = sandbox.runtimeDir("dev").resolve("vsock.sock_5001");
            HostSandbox.await("qvmd to listen for dev", Duration.ofSeconds(30), () -> Files.exists(socket));
            HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "echo 'a link from a mail' > ~/mail.txt"));
            String guestBin = "PATH=" + org.qvm.testsupport.Examples.repositoryRoot().resolve("guest/bin") + ":$PATH ";

            // The guest's command returns once the viewer runs; the disposable stays until it exits.
            HostSandbox.Run call = sandbox.run("qvm-run", "-p", "dev", guestBin + "qvm-open-in-dvm ~/mail.txt");
            HostSandbox.assertOk(call);
            String opened = openedIn("disp1");
            assertTrue(opened.contains("/QubesIncoming/dev/opened-") && opened.endsWith("/mail.txt"), opened);
            try (Stream<Path> incoming = Files.walk(sandbox.guestHome("disp1").resolve("QubesIncoming/dev"))) {
                assertEquals(List.of("a link from a mail\n"), incoming.filter(Files::isRegularFile).map(path -> {
                    try {
                        return Files.readString(path);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).toList());
            }
            closeViewer("disp1");
            HostSandbox.await("qvmd to remove disp1", Duration.ofSeconds(60), () -> {
                try {
                    return disposables().isEmpty();
                } catch (Exception e) {
                    return false;
                }
            });
            nothingOfDisposablesLeft();

            // Only qubes.OpenInDVM makes disposables, and the policy still decides (ask: this dialog says no).
            HostSandbox.Run notThisService = sandbox.run("qvm-run", "-p", "dev", guestBin + "qvm-open-in-vm @dispvm ~/mail.txt");
            assertNotEquals(0, notThisService.status());
            assertTrue(notThisService.err().contains("does not go to a new disposable VM"), notThisService.err());
            policy("qubes.OpenInDVM", "*", "*", "ask");
            HostSandbox.Run denied = sandbox.run("qvm-run", "-p", "dev", guestBin + "qvm-open-in-dvm https://example.org/");
            assertNotEquals(0, denied.status());
            assertTrue(denied.err().contains("refused"), denied.err());
            assertEquals(Map.of(), disposables(), "nothing was made for a refused call");

            // qvmd stopping takes the disposables its calls opened with it.
            policy("qubes.OpenInDVM", "dev", "@dispvm:dvm", "allow");
            HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", guestBin + "qvm-open-in-dvm https://example.org/x"));
            assertEquals("https://example.org/x", openedIn("disp1"));
        } finally {
            qvmd.destroy();
            assertTrue(qvmd.waitFor(60, TimeUnit.SECONDS));
        }
        nothingOfDisposablesLeft();
        HostSandbox.assertOk(sandbox.run("qvm-kill", "dev"));
    }

    private void awaitARunningDisposable() {
        HostSandbox.await("the disposable running", Duration.ofSeconds(60), () -> {
            try {
                return disposables().values().stream().anyMatch(row -> row.get(0).equals("Running"));
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** The same, saying what the tool server and the qvm-run said when it does not come. */
    private void awaitARunningDisposable(Process run) throws Exception {
        try {
            awaitARunningDisposable();
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; " + disposables() + "; the server's log: " + sandbox.toolServerLog()
                    + "; qvm-run's: " + Files.readString(sandbox.errorOf(run)), e);
        }
    }

    @Test
    void aDisposableWhoseQvmRunIsKilledIsRemovedByTheNextAndCtrlCRemovesItAtOnce() throws Exception {
        if (sandbox.toolServer().isPresent()) {
            aServedDisposableGoesWithItsClient();
            return;
        }
        Process killed = sandbox.start("qvm-run", "--dispvm", "-p", "sleep 600");
        awaitARunningDisposable();
        killed.destroyForcibly();
        assertTrue(killed.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, disposables().size(), "a killed qvm-run cannot remove its disposable");
        // qvm-start (as qvm-autostart.service runs it at boot) removes it; --all starts neither the template nor disposables.
        HostSandbox.Run start = sandbox.run("qvm-start", "--all");
        HostSandbox.assertOk(start);
        assertTrue(start.err().contains("removed the disposable disp1, whose owner is gone"), start.err());
        assertEquals("Running", sandbox.stateOf("dev"));
        assertEquals("Halted", sandbox.stateOf("dvm"), "a disposable template is never started");
        nothingOfDisposablesLeft();
        HostSandbox.assertOk(sandbox.run("qvm-kill", "dev"));

        // And the next qvm-run --dispvm removes one too.
        Process killedAgain = sandbox.start("qvm-run", "--dispvm", "-p", "sleep 600");
        awaitARunningDisposable();
        killedAgain.destroyForcibly();
        assertTrue(killedAgain.waitFor(30, TimeUnit.SECONDS));
        HostSandbox.Run next = sandbox.run("qvm-run", "--dispvm", "-p", "true");
        HostSandbox.assertOk(next);
        assertTrue(next.err().contains("removed the disposable disp1, whose owner is gone"), next.err());
        nothingOfDisposablesLeft();

        Process interrupted = sandbox.start("qvm-run", "--dispvm", "-p", "sleep 600");
        awaitARunningDisposable();
        new ProcessBuilder("kill", "-INT", String.valueOf(interrupted.pid())).start().waitFor(10, TimeUnit.SECONDS);
        assertTrue(interrupted.waitFor(60, TimeUnit.SECONDS), "Ctrl-C ends it");
        assertEquals(130, interrupted.exitValue(), "the command's status: killed by SIGINT");
        nothingOfDisposablesLeft();
    }

    /**
     * Served by the tool server, the disposable goes with its client however the client ends: killed
     * (the server sees it go), or by Ctrl-C, with -p or without (an application's wait).
     */
    private void aServedDisposableGoesWithItsClient() throws Exception {
        for (List<String> command : List.of(List.of("--dispvm", "-p", "sleep 600"), List.of("--dispvm=dvm", "sleep 600"))) {
            Process killed = sandbox.start("qvm-run", command.toArray(String[]::new));
            awaitARunningDisposable(killed);
            killed.destroyForcibly();
            assertTrue(killed.waitFor(30, TimeUnit.SECONDS));
            try {
                HostSandbox.await("the server to remove the disposable", Duration.ofSeconds(60), () -> {
                    try {
                        return disposables().isEmpty();
                    } catch (Exception e) {
                        return false;
                    }
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; " + disposables() + "; the server's log: " + sandbox.toolServerLog()
                        + "; the client's: " + Files.readString(sandbox.errorOf(killed)), e);
            }
            nothingOfDisposablesLeft();

            Process interrupted = sandbox.start("qvm-run", command.toArray(String[]::new));
            awaitARunningDisposable(interrupted);
            new ProcessBuilder("kill", "-INT", String.valueOf(interrupted.pid())).start().waitFor(10, TimeUnit.SECONDS);
            assertTrue(interrupted.waitFor(60, TimeUnit.SECONDS), "Ctrl-C ends it");
            assertEquals(130, interrupted.exitValue());
            HostSandbox.await("the disposable removed", Duration.ofSeconds(60), () -> {
                try {
                    return disposables().isEmpty();
                } catch (Exception e) {
                    return false;
                }
            });
            nothingOfDisposablesLeft();
        }
    }
}
