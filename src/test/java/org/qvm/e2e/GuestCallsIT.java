package org.qvm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qvm.testsupport.Examples;
import org.qvm.testsupport.HostSandbox;

/**
 * Calls that guests make (issue 13), with the real qvmd, the real agents in stand-in guests and
 * the guest's own qvm-copy and qvm-move: the policy decides, a scripted dialog plays the user.
 */
class GuestCallsIT extends Scenario {
    Process qvmd;
    Path dialogLog;
    Path answer;

    @BeforeEach
    void aHostWithQvmdAndAScriptedDialog() throws Exception {
        dialogLog = dir.resolve("dialog.log");
        answer = dir.resolve("dialog.answer");
        Path dialog = dir.resolve("dialog");
        // The user: records each question; answers with the file's content (exit 1 when it is "no"),
        // after waiting (bounded) while a file "hold" exists.
        Files.writeString(dialog, """
                #!/bin/sh
                echo "$*" >> %1$s
                i=0
                while [ -e %2$s ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
                read -r choice < %3$s
                [ "$choice" = no ] && exit 1
                echo "$choice"
                """.formatted(dialogLog, dir.resolve("hold"), answer));
        dialog.toFile().setExecutable(true);
        Files.writeString(answer, "untrusted\n");
        Files.writeString(sandbox.config, Files.readString(sandbox.config) + """
                [policy]
                file = "%s/policy.toml"
                ask-command = ["%s"]
                """.formatted(dir, dialog));
        policy("""
                [[rule]]
                service = "qubes.Filecopy"
                source = "*"
                target = "*"
                action = "ask"
                """);
        sandbox.vm("dev", "[network]\n");
        sandbox.vm("untrusted", "[network]\n");
        sandbox.vm("banking", "");
        qvmd = sandbox.start("qvmd");
    }

    @AfterEach
    void stopQvmd() throws Exception {
        if (qvmd != null) {
            qvmd.destroy();
            assertTrue(qvmd.waitFor(30, TimeUnit.SECONDS));
        }
        sandbox.run("qvm-kill", "--all");
    }

    private void policy(String rules) throws Exception {
        Files.writeString(dir.resolve("policy.toml"), rules);
    }

    private void start(String... vms) throws Exception {
        HostSandbox.assertOk(sandbox.run("qvm-start", vms));
        for (String vm : vms) {
            Path socket = sandbox.runtimeDir(vm).resolve("vsock.sock_5001");
            HostSandbox.await("qvmd to listen for " + vm, Duration.ofSeconds(30), () -> Files.exists(socket));
        }
    }

    /**
     * Runs a guest command (from the repository's guest/bin) in the VM; it reaches qvmd where the
     * stand-in hypervisor delivers the guest's calls, its vsock.sock_5001.
     */
    private HostSandbox.Run inGuest(String vm, String command) throws Exception {
        return sandbox.run("qvm-run", "-p", vm, "PATH=" + Examples.repositoryRoot().resolve("guest/bin") + ":$PATH " + command);
    }

    private Path incoming(String vm, String source) {
        return sandbox.guestHome(vm).resolve("QubesIncoming").resolve(source);
    }

    private List<String> questions() throws Exception {
        return Files.exists(dialogLog) ? Files.readAllLines(dialogLog) : List.of();
    }

    @Test
    void qvmCopyAsksTheUserAndTheFileArrivesFromTheCallerWhateverItSays() throws Exception {
        start("dev", "untrusted");
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "echo 'the report' > ~/report.txt"));
        HostSandbox.Run copy = inGuest("dev", "qvm-copy ~/report.txt");
        HostSandbox.assertOk(copy);
        assertEquals("the report\n", Files.readString(incoming("untrusted", "dev").resolve("report.txt")));
        assertEquals(List.of("dev qubes.Filecopy banking untrusted"), questions(),
                "the dialog is asked with the caller the channel names, and every VM the policy allows");
        assertTrue(Files.exists(sandbox.guestHome("dev").resolve("report.txt")), "a copy keeps its source");

        // A VM cannot send to itself, and nothing it writes makes it someone else.
        HostSandbox.Run itself = inGuest("dev", "qvm-copy-to-vm dev ~/report.txt");
        assertNotEquals(0, itself.status());
        assertTrue(itself.err().contains("refused: a VM cannot call itself"), itself.err());
        assertFalse(Files.exists(incoming("dev", "dev")));
    }

    @Test
    void denyAndAllowNeedNoDialogAndAMoveKeepsItsSourceUnlessTheCopyArrived() throws Exception {
        policy("""
                [[rule]]
                service = "qubes.Filecopy"
                source = "dev"
                target = "banking"
                action = "deny"

                [[rule]]
                service = "qubes.Filecopy"
                source = "dev"
                target = "untrusted"
                action = "allow"
                """);
        start("dev", "untrusted");
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "echo one > ~/one.txt && echo two > ~/two.txt"));

        HostSandbox.Run denied = inGuest("dev", "qvm-move-to-vm banking ~/one.txt");
        assertEquals(1, denied.status(), denied.err());
        assertTrue(denied.err().contains("refused: qubes.Filecopy from dev to banking is denied by the policy; nothing was "
                + "removed here"), denied.err());
        assertTrue(Files.exists(sandbox.guestHome("dev").resolve("one.txt")));
        assertEquals("Halted", sandbox.stateOf("banking"), "a denied call starts nothing");

        HostSandbox.assertOk(inGuest("dev", "qvm-move-to-vm untrusted ~/one.txt"));
        assertEquals("one\n", Files.readString(incoming("untrusted", "dev").resolve("one.txt")));
        assertFalse(Files.exists(sandbox.guestHome("dev").resolve("one.txt")), "a verified move removes its source");
        assertEquals(List.of(), questions(), "allow and deny ask nobody");

        // The target already has one.txt from dev: nothing is overwritten, and the move keeps its source.
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "echo again > ~/one.txt"));
        HostSandbox.Run clash = inGuest("dev", "qvm-move-to-vm untrusted ~/one.txt");
        assertEquals(1, clash.status());
        assertTrue(clash.err().contains("EEXIST") && clash.err().contains("nothing was removed here"), clash.err());
        assertEquals("again\n", Files.readString(sandbox.guestHome("dev").resolve("one.txt")));
        assertEquals("one\n", Files.readString(incoming("untrusted", "dev").resolve("one.txt")));

        // No rule for OpenURL, or for untrusted as a caller: denied by default.
        HostSandbox.Run back = inGuest("untrusted", "qvm-copy-to-vm dev ~/QubesIncoming/dev/one.txt");
        assertEquals(1, back.status());
        assertTrue(back.err().contains("is not allowed by the policy"), back.err());
    }

    @Test
    void aHaltedTargetIsStartedAndTheUserMaySayNo() throws Exception {
        start("dev");
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "echo x > ~/x.txt"));
        Files.writeString(answer, "no\n");
        HostSandbox.Run no = inGuest("dev", "qvm-copy ~/x.txt");
        assertEquals(1, no.status());
        assertTrue(no.err().contains("refused: the user said no"), no.err());
        assertEquals("Halted", sandbox.stateOf("untrusted"));

        Files.writeString(answer, "untrusted\n");
        HostSandbox.assertOk(inGuest("dev", "qvm-copy ~/x.txt"));
        assertEquals("Running", sandbox.stateOf("untrusted"), "the target was started for the copy");
        assertEquals("x\n", Files.readString(incoming("untrusted", "dev").resolve("x.txt")));
    }

    @Test
    void aVmThatKeepsCallingGetsOneDialogAndRefusalsForTheRest() throws Exception {
        start("dev", "untrusted");
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "echo y > ~/y.txt"));
        Files.writeString(dir.resolve("hold"), "");
        List<Process> calls = new ArrayList<>();
        calls.add(sandbox.start("qvm-run", "-p", "dev", Examples.repositoryRoot().resolve("guest/bin/qvm-copy") + " ~/y.txt"));
        HostSandbox.await("the first question", Duration.ofSeconds(30), () -> {
            try {
                return questions().size() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        for (int i = 0; i < 3; i++) {
            HostSandbox.Run flood = inGuest("dev", "qvm-copy ~/y.txt");
            assertEquals(1, flood.status(), "refused while the first question is open");
            assertTrue(flood.err().contains("refused: a question for dev is open already"), flood.err());
        }
        assertEquals(1, questions().size(), "one dialog, however often the VM calls");
        Files.delete(dir.resolve("hold"));
        Process first = calls.get(0);
        assertTrue(first.waitFor(60, TimeUnit.SECONDS));
        HostSandbox.assertOk(sandbox.finished(first));
        assertEquals("y\n", Files.readString(incoming("untrusted", "dev").resolve("y.txt")));
    }

    /**
     * What the stand-in guest's desktop was asked to open (the agent's open command, which runs on
     * detached, logs it), in order, once there are {@code count} entries.
     */
    private List<String> opened(String vm, int count) throws Exception {
        Path log = sandbox.runtimeDir(vm).resolve("opened");
        HostSandbox.await(count + " opens in " + vm, Duration.ofSeconds(30), () -> {
            try {
                return Files.exists(log) && Files.readAllLines(log).size() >= count;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        return Files.readAllLines(log);
    }

    @Test
    void qvmOpenInVmOpensAFileOrAUrlInTheTargetUnderThePolicy() throws Exception {
        policy("""
                [[rule]]
                service = "qubes.OpenURL"
                source = "dev"
                target = "untrusted"
                action = "allow"

                [[rule]]
                service = "qubes.OpenInVM"
                source = "*"
                target = "*"
                action = "ask"
                """);
        start("dev", "untrusted");
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "echo 'the attachment' > ~/a.pdf"));

        // A file: asked, copied into a directory of its own, opened there; twice is two directories.
        HostSandbox.assertOk(inGuest("dev", "qvm-open-in-vm untrusted ~/a.pdf"));
        HostSandbox.assertOk(inGuest("dev", "qvm-open-in-vm --view-only untrusted ~/a.pdf"));
        assertEquals(List.of("dev qubes.OpenInVM untrusted", "dev qubes.OpenInVM untrusted"), questions());
        List<String> files = opened("untrusted", 2);
        assertNotEquals(files.get(0), files.get(1));
        for (String file : files) {
            Path path = Path.of(file);
            assertEquals(incoming("untrusted", "dev"), path.getParent().getParent());
            assertTrue(path.getParent().getFileName().toString().startsWith("opened-"), file);
            assertEquals("a.pdf", path.getFileName().toString());
            assertEquals("the attachment\n", Files.readString(path));
        }

        // A URL: allowed without a question, opened as it is.
        String url = "https://example.org/a?b=c&d=%20e";
        HostSandbox.assertOk(inGuest("dev", "qvm-open-in-vm untrusted '" + url + "'"));
        assertEquals(url, opened("untrusted", 3).get(2));
        assertEquals(2, questions().size(), "an allowed URL asks nobody");

        // What cannot be opened is refused before anyone is asked or anything is sent.
        HostSandbox.Run script = inGuest("dev", "qvm-open-in-vm untrusted 'javascript://%0Aalert(1)'");
        assertEquals(1, script.status());
        assertTrue(script.err().contains("only http, https and ftp URLs are opened"), script.err());
        HostSandbox.Run directory = inGuest("dev", "qvm-open-in-vm untrusted ~");
        assertEquals(1, directory.status());
        assertTrue(directory.err().contains("is not a regular file"), directory.err());
        HostSandbox.Run denied = inGuest("dev", "qvm-open-in-vm banking https://example.org/");
        assertEquals(1, denied.status());
        assertTrue(denied.err().contains("refused") && denied.err().contains("not allowed by the policy"), denied.err());
        assertEquals(2, questions().size());

        // The host's own qvm-open-in-vm: no policy, files from "host".
        Path report = dir.resolve("report.txt");
        Files.writeString(report, "from the host\n");
        HostSandbox.assertOk(sandbox.run("qvm-open-in-vm", "untrusted", report.toString()));
        HostSandbox.assertOk(sandbox.run("qvm-open-in-vm", "untrusted", "http://example.com/"));
        List<String> all = opened("untrusted", 5);
        Path fromHost = Path.of(all.get(3));
        assertEquals(incoming("untrusted", "host"), fromHost.getParent().getParent());
        assertEquals("from the host\n", Files.readString(fromHost));
        assertEquals("http://example.com/", all.get(4));
        HostSandbox.Run badUrl = sandbox.run("qvm-open-in-vm", "untrusted", "file:///etc/shadow");
        assertEquals(2, badUrl.status(), badUrl.err());
        assertEquals(5, opened("untrusted", 5).size(), "what was refused was not opened");
    }

    @Test
    void aMoveKeepsItsSourceWhenTheCopyArrivesDamaged() throws Exception {
        policy("""
                [[rule]]
                service = "qubes.Filecopy"
                source = "dev"
                target = "damaging"
                action = "allow"
                """);
        sandbox.vm("damaging", "kernel-params = \"qvm.standin.agent=damaging\"\n");
        start("dev", "damaging");
        HostSandbox.assertOk(sandbox.run("qvm-run", "-p", "dev", "echo keep me > ~/keep.txt"));
        HostSandbox.Run move = inGuest("dev", "qvm-move-to-vm damaging ~/keep.txt");
        assertEquals(1, move.status(), move.err());
        assertTrue(move.err().contains("arrived damaged (CRC mismatch); nothing was removed here"), move.err());
        assertEquals("keep me\n", Files.readString(sandbox.guestHome("dev").resolve("keep.txt")));
    }
}
