package org.qvm.plan;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts a program detached in one step, through the C library's {@code posix_spawn} (JNA): in a
 * session of its own, standard input from /dev/null, both outputs appended to a file, no other
 * descriptor of ours, default signal handling and nothing blocked; and hands back its PID. What
 * {@code setsid --fork} does with a process of its own (and a search of /proc afterwards for the
 * PID it does not tell) is done here by the kernel's spawn alone. The child is this process's: a
 * daemon thread reaps it once it has ended (see {@link #awaitInBackground}), so that it does not
 * linger as a zombie while this process lives, and this JVM's exit never waits for it. Where the
 * functions are missing (no JNA, a C library before glibc 2.34), {@link #available} is false and
 * setsid runs.
 */
final class PosixSpawn {
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POSIX_SPAWN_SETSID = 0x80;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0x40;
    private static final int O_APPEND = 0x400;
    private static final int EINTR = 4;
    private static final int WNOHANG = 1;
    private static final long REAP_INTERVAL_MILLIS = 200;
    /** The children spawned here that have not been reaped; a reaper thread runs while it is not empty. */
    private static final java.util.Set<Integer> RUNNING = new java.util.HashSet<>();
    /** Room for glibc's posix_spawn_file_actions_t (80 bytes), posix_spawnattr_t (336) and sigset_t (128). */
    private static final int OPAQUE = 1024;

    /** The functions of spawn.h and signal.h used, as glibc has them. */
    private interface Api extends Library {
        int posix_spawn(IntByReference pid, String path, Pointer actions, Pointer attributes, StringArray argv,
                        StringArray environment);

        int posix_spawn_file_actions_init(Pointer actions);

        int posix_spawn_file_actions_destroy(Pointer actions);

        int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags, int mode);

        int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int target);

        int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

        int posix_spawnattr_init(Pointer attributes);

        int posix_spawnattr_destroy(Pointer attributes);

        int posix_spawnattr_setflags(Pointer attributes, short flags);

        int posix_spawnattr_setsigmask(Pointer attributes, Pointer set);

        int posix_spawnattr_setsigdefault(Pointer attributes, Pointer set);

        int sigemptyset(Pointer set);

        int sigfillset(Pointer set);

        int waitpid(int pid, IntByReference status, int options) throws LastErrorException;

        String strerror(int errno);
    }

    private PosixSpawn() {
    }

    /** Loaded on first use, with every function looked up: a missing one means setsid runs instead. */
    private static final class Loaded {
        static final Optional<Api> API = NativeApi.load("c", Api.class);
    }

    static boolean available() {
        return Loaded.API.isPresent();
    }

    /**
     * Starts {@code argv} (its program a path: found on PATH by the caller) with exactly
     * {@code environment}; returns its PID once it runs the program.
     *
     * @throws IOException if it could not be started; the message is the C library's reason
     */
    static long start(List<String> argv, Map<String, String> environment, Path output) throws IOException {
        Api api = Loaded.API.orElseThrow(() -> new IllegalStateException("posix_spawn is not available"));
        String program = argv.get(0);
        if (!program.contains("/")) {
            // Not looked for in the working directory, as execve would.
            throw new IOException("Cannot run program \"" + program + "\": error=2, No such file or directory");
        }
        Memory actions = new Memory(OPAQUE);
        Memory attributes = new Memory(OPAQUE);
        Memory signals = new Memory(OPAQUE);
        check(api, api.posix_spawn_file_actions_init(actions), program);
        try {
            check(api, api.posix_spawnattr_init(attributes), program);
            try {
                check(api, api.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0), program);
                check(api, api.posix_spawn_file_actions_addopen(actions, 1, output.toString(), O_WRONLY | O_CREAT | O_APPEND,
                        0666), program);
                check(api, api.posix_spawn_file_actions_adddup2(actions, 1, 2), program);
                check(api, api.posix_spawn_file_actions_addclosefrom_np(actions, 3), program);
                check(api, api.posix_spawnattr_setflags(attributes,
                        (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)), program);
                api.sigemptyset(signals);
                check(api, api.posix_spawnattr_setsigmask(attributes, signals), program);
                api.sigfillset(signals);
                check(api, api.posix_spawnattr_setsigdefault(attributes, signals), program);
                IntByReference pid = new IntByReference();
                String[] environ = environment.entrySet().stream().map(entry -> entry.getKey() + "=" + entry.getValue())
                        .toArray(String[]::new);
                check(api, api.posix_spawn(pid, program, actions, attributes, new StringArray(argv.toArray(String[]::new)),
                        new StringArray(environ)), program);
                awaitInBackground(api, pid.getValue());
                return pid.getValue();
            } finally {
                api.posix_spawnattr_destroy(attributes);
            }
        } finally {
            api.posix_spawn_file_actions_destroy(actions);
        }
    }

    private static void check(Api api, int error, String program) throws IOException {
        if (error != 0) {
            // As Java words a failed start (error=N, reason), which ProcessRunner turns into its message.
            throw new IOException("Cannot run program \"" + program + "\": error=" + error + ", " + api.strerror(error));
        }
    }

    /**
     * Reaps the child once it has ended: one daemon thread looks, without blocking, at each child
     * still running every {@link #REAP_INTERVAL_MILLIS} ms, and stops when none is left. Never a
     * thread blocked in waitpid: a JVM waits up to 300 ms at exit for threads in native code.
     */
    private static void awaitInBackground(Api api, int pid) {
        synchronized (RUNNING) {
            RUNNING.add(pid);
            if (RUNNING.size() == 1) {
                Thread reaper = new Thread(null, () -> reapUntilNoneLeft(api), "qvm-reaper", 64 * 1024);
                reaper.setDaemon(true);
                reaper.start();
            }
        }
    }

    private static void reapUntilNoneLeft(Api api) {
        IntByReference status = new IntByReference();
        while (true) {
            try {
                Thread.sleep(REAP_INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            synchronized (RUNNING) {
                RUNNING.removeIf(pid -> {
                    try {
                        return api.waitpid(pid, status, WNOHANG) != 0;
                    } catch (LastErrorException e) {
                        return e.getErrorCode() != EINTR;
                    }
                });
                if (RUNNING.isEmpty()) {
                    return;
                }
            }
        }
    }
}
