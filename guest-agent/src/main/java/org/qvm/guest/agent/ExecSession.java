package org.qvm.guest.agent;

import com.sun.jna.LastErrorException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.qvm.guest.protocol.ExecRequest;
import org.qvm.guest.protocol.Frame;
import org.qvm.guest.protocol.FrameReader;
import org.qvm.guest.protocol.FrameType;
import org.qvm.guest.protocol.FrameWriter;
import org.qvm.guest.protocol.Payloads;
import org.qvm.guest.protocol.Protocol;
import org.qvm.guest.transport.LibC;

/**
 * One command run for the host. The command runs in a session of its own (setsid), as the
 * requested user (through runuser when the agent is root). With pass-io its standard streams go
 * over the connection, with backpressure both ways (a full socket stops the reader of the
 * command's output, a slow command stops the host's input), and when the host goes away the
 * command's process group gets SIGHUP. Without pass-io it runs on detached, on /dev/null.
 */
final class ExecSession {
    /** The signals the host may send: HUP, INT, KILL, TERM. */
    static final Set<Integer> SIGNALS = Set.of(1, 2, 9, 15);
    private static final int SIGHUP = 1;

    private final AgentSettings settings;
    private final FrameReader in;
    private final FrameWriter out;

    ExecSession(AgentSettings settings, FrameReader in, FrameWriter out) {
        this.settings = settings;
        this.in = in;
        this.out = out;
    }

    /** Refused before starting: ERROR with the code qvm-run exits with. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        Refused(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    void run(ExecRequest request) throws IOException {
        Process process = startAndAnswer(request);
        if (process == null || !request.passIo()) {
            return;
        }
        Thread stdout = pump(process.getInputStream(), FrameType.STDOUT);
        Thread stderr = pump(process.getErrorStream(), FrameType.STDERR);
        Thread input = new Thread(() -> forwardInput(process), "qvm-agent-stdin-" + process.pid());
        input.setDaemon(true);
        input.start();
        int status;
        try {
            status = process.waitFor();
            stdout.join();
            stderr.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            signal(process, SIGHUP);
            return;
        }
        out.write(FrameType.EXIT, Payloads.i32(status));
    }

    /**
     * Runs a command without pass-io and waits for it: STARTED (or ERROR), then EXIT when it exits.
     * If the host goes away first, the command runs on.
     */
    void runAndWait(ExecRequest request) throws IOException {
        if (request.passIo()) {
            throw new IllegalArgumentException("a command with pass-io is waited for by run()");
        }
        Process process = startAndAnswer(request);
        if (process == null) {
            return;
        }
        try {
            out.write(FrameType.EXIT, Payloads.i32(process.waitFor()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the command and answers STARTED; answers ERROR and returns null when it cannot start. */
    private Process startAndAnswer(ExecRequest request) throws IOException {
        Process process;
        try {
            process = start(request);
        } catch (Refused refused) {
            out.write(FrameType.ERROR, Payloads.error(refused.code, refused.getMessage()));
            return null;
        }
        out.write(FrameType.STARTED, Payloads.i32((int) process.pid()));
        return process;
    }

    private Process start(ExecRequest request) throws Refused {
        Path guiRuntime = null;
        String user = request.user().isEmpty() ? settings.user() : request.user();
        List<String> argv = new ArrayList<>(List.of("setsid"));
        Optional<Accounts.Account> account = Accounts.find(user);
        if (!user.equals(Accounts.current())) {
            if (!Accounts.runningAsRoot()) {
                throw new Refused(Protocol.STATUS_REFUSED, "the agent runs as " + Accounts.current()
                        + " and cannot run commands as " + user);
            }
            if (account.isEmpty()) {
                throw new Refused(Protocol.STATUS_REFUSED, "no user '" + user + "' in the guest");
            }
            argv.addAll(List.of("runuser", "-u", user, "--"));
        }
        if (request.gui()) {
            // Its windows go through waypipe to the host's compositor (and the VM's Wayland proxy there).
            java.nio.file.Path socket = settings.waylandSocket().orElseThrow(() -> new Refused(Protocol.STATUS_REFUSED,
                    "this guest has no channel for windows (its VM's wayland-transport is not waypipe)"));
            if (!isExecutable("waypipe", pathOf(request))) {
                throw new Refused(Protocol.STATUS_NOT_FOUND, "command not found: waypipe (the guest needs it for windows)");
            }
            argv.addAll(List.of("waypipe", "--no-gpu", "--socket", socket.toString(), "server", "--"));
            guiRuntime = runtimeDirFor(socket.getParent(), account);
        }
        if (request.shell()) {
            argv.addAll(List.of("/bin/sh", "-c", request.argv().get(0)));
        } else {
            String program = request.argv().get(0);
            if (!isExecutable(program, pathOf(request))) {
                throw new Refused(Protocol.STATUS_NOT_FOUND, "command not found: " + program);
            }
            argv.addAll(request.argv());
        }
        ProcessBuilder builder = new ProcessBuilder(argv);
        for (String variable : request.env()) {
            int equals = variable.indexOf('=');
            if (equals > 0) {
                builder.environment().put(variable.substring(0, equals), variable.substring(equals + 1));
            }
        }
        if (guiRuntime != null && request.env().stream().noneMatch(variable -> variable.startsWith("XDG_RUNTIME_DIR="))) {
            // waypipe places the application's display socket there.
            builder.environment().put("XDG_RUNTIME_DIR", guiRuntime.toString());
        }
        Path home = settings.homeOf(user).orElse(Path.of("/"));
        Path cwd = request.cwd().isEmpty() ? home : Path.of(request.cwd());
        if (!Files.isDirectory(cwd)) {
            throw new Refused(Protocol.STATUS_REFUSED, "no directory " + cwd + " in the guest");
        }
        builder.directory(cwd.toFile());
        if (!request.passIo()) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        try {
            return builder.start();
        } catch (IOException e) {
            throw new Refused(Protocol.STATUS_TRANSPORT, "cannot start: " + e.getMessage());
        }
    }

    /**
     * A runtime directory for the user's GUI commands, {@code user-UID} beside the Wayland relay's
     * socket (a directory only root writes): made 0700 and theirs, or checked to be so.
     */
    private static Path runtimeDirFor(Path parent, Optional<Accounts.Account> account) throws Refused {
        int uid = account.map(Accounts.Account::uid).orElse(-1);
        int gid = account.map(Accounts.Account::gid).orElse(-1);
        Path dir = parent.resolve("user-" + (uid >= 0 ? uid : Accounts.current()));
        try {
            if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
                if (uid >= 0 && Accounts.runningAsRoot()) {
                    Files.setAttribute(dir, "unix:gid", gid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(dir, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                }
            }
            if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new Refused(Protocol.STATUS_TRANSPORT, dir + " is not a directory");
            }
            return dir;
        } catch (java.io.IOException e) {
            throw new Refused(Protocol.STATUS_TRANSPORT, "cannot make a runtime directory for windows: " + e.getMessage());
        }
    }

    private static String pathOf(ExecRequest request) {
        for (String variable : request.env()) {
            if (variable.startsWith("PATH=")) {
                return variable.substring(5);
            }
        }
        return System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    }

    private static boolean isExecutable(String program, String path) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program));
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program)) && !Files.isDirectory(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** Copies one of the command's outputs into frames; a full connection makes it wait. */
    private Thread pump(InputStream stream, FrameType type) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[Protocol.MAX_DATA];
            try (stream) {
                int n;
                while ((n = stream.read(buffer)) > 0) {
                    out.write(type, buffer, 0, n);
                }
            } catch (IOException e) {
                // The host went away; the input side hangs the command up.
            }
        }, "qvm-agent-" + type);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * The host's side: standard input, its end, signals. A command that stops reading its input
     * makes the rest of the input go nowhere; the host going away hangs the command up.
     */
    private void forwardInput(Process process) {
        OutputStream stdin = process.getOutputStream();
        boolean inputOpen = true;
        try {
            Frame frame;
            while ((frame = in.read()) != null) {
                switch (frame.type()) {
                    case STDIN -> inputOpen = inputOpen && write(stdin, frame.payload());
                    case STDIN_EOF -> {
                        inputOpen = false;
                        closeQuietly(stdin);
                    }
                    case SIGNAL -> {
                        int signal = frame.payload()[0];
                        if (SIGNALS.contains(signal)) {
                            signal(process, signal);
                        }
                    }
                    default -> throw new IOException("unexpected " + frame.type() + " during a command");
                }
            }
        } catch (IOException e) {
            // A broken connection or a protocol error: as if the host had gone.
        }
        closeQuietly(stdin);
        if (process.isAlive()) {
            signal(process, SIGHUP);
        }
    }

    private static boolean write(OutputStream stdin, byte[] data) {
        try {
            stdin.write(data);
            stdin.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void closeQuietly(OutputStream stream) {
        try {
            stream.close();
        } catch (IOException e) {
            // Closed already.
        }
    }

    /**
     * Signals the command's process group; if there is no such group yet (the command has not
     * reached setsid), the process itself.
     */
    static void signal(Process process, int signal) {
        try {
            LibC.INSTANCE.kill((int) -process.pid(), signal);
        } catch (LastErrorException noGroup) {
            try {
                LibC.INSTANCE.kill((int) process.pid(), signal);
            } catch (LastErrorException gone) {
                // The process is gone already.
            }
        }
    }
}
