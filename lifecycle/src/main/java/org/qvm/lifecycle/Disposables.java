package org.qvm.lifecycle;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.qvm.config.Configuration;
import org.qvm.config.HostConfig;
import org.qvm.config.LockFile;
import org.qvm.config.Vm;
import org.qvm.config.VmName;
import org.qvm.plan.CommandRunner;
import org.qvm.storage.VmStorage;

/**
 * Disposable VMs: {@code dispN}, made from a disposable template for one job and removed with
 * everything they had once it is done. Each exists as {@code <state-dir>/disposables/dispN.toml}
 * ({@code disposable-of = "TEMPLATE"}) while its owner (the qvm-run that made it) holds
 * {@code dispN.lock}; a disposable whose lock is free lost its owner (killed, or the host went
 * down) and is removed by the next {@link #cleanUp}. A disposable's private volume is always new:
 * a volume of that name left by an earlier one is removed before it starts, and never reused.
 */
public final class Disposables {
    /** How many dispN names are tried before giving up. */
    static final int NAMES = 10_000;

    private final HostConfig host;
    private final VmStorage storage;

    public Disposables(HostConfig host, CommandRunner runner) {
        this.host = host;
        this.storage = new VmStorage(VmStorage.poolFor(host, runner), runner);
    }

    /** A disposable this process made and owns until {@link #destroy}. */
    public record Claim(String name, Path file, LockFile lock) {
    }

    /** Makes a new disposable of {@code template}: the lowest free {@code dispN}, with a fresh (empty) private volume to come. */
    public Claim create(Configuration configuration, String template, Lifecycle lifecycle) throws IOException {
        Path dir = host.disposablesDir();
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        for (int n = 1; n <= NAMES; n++) {
            String name = "disp" + n;
            if (configuration.find(name).isPresent()) {
                continue;
            }
            Optional<LockFile> lock = LockFile.acquire(dir.resolve(name + ".lock"), Duration.ZERO);
            if (lock.isEmpty()) {
                continue;
            }
            Path file = dir.resolve(name + ".toml");
            try {
                if (Files.exists(file)) {
                    // An owner that is gone left it: what it had goes first.
                    removeEverything(configuration, name, file, lifecycle);
                }
                // Never a volume that existed before: a disposable's name is its alone, so one of that name is a leftover.
                storage.remove(name);
                Files.writeString(file, "# A disposable VM, made by qvm-run --dispvm; removed when its job ends.\n"
                        + "disposable-of = \"" + template + "\"\n", StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return new Claim(name, file, lock.get());
            } catch (FileAlreadyExistsException e) {
                lock.get().close();
            } catch (IOException | RuntimeException e) {
                lock.get().close();
                throw e;
            }
        }
        throw new IOException("no free disposable name (disp1 to disp" + NAMES + " are taken)");
    }

    /** Removes everything the disposable had: the VM (killed), its network, runtime directory and volume, and its file. */
    public void destroy(Configuration configuration, Claim claim, Lifecycle lifecycle) throws IOException {
        try {
            removeEverything(configuration, claim.name(), claim.file(), lifecycle);
        } finally {
            // The lock file stays (another process may be waiting on it); the next dispN of this name uses it again.
            claim.lock().close();
        }
    }

    private void removeEverything(Configuration configuration, String name, Path file, Lifecycle lifecycle) throws IOException {
        Optional<Vm> vm = configuration.find(name);
        if (vm.isPresent()) {
            lifecycle.kill(vm.get());
        }
        storage.remove(name);
        Files.deleteIfExists(file);
    }

    /**
     * Removes the disposables whose owner is gone (their lock is free): killed, with everything
     * they had. Returns their names. Cheap enough for every qvm-start: it reads only the
     * disposables' directory.
     */
    public List<String> cleanUp(Configuration configuration, Lifecycle lifecycle) throws IOException {
        return cleanUp(configuration, lifecycle, false);
    }

    /**
     * As {@link #cleanUp}, and also a disposable's volume whose definition went with a reboot (the
     * state directory is emptied then), found by listing the pool: no volume of a disposable's
     * name outlives its owner. For boot (qvm-dispvm-cleanup).
     */
    public List<String> cleanUpAfterReboot(Configuration configuration, Lifecycle lifecycle) throws IOException {
        return cleanUp(configuration, lifecycle, true);
    }

    private List<String> cleanUp(Configuration configuration, Lifecycle lifecycle, boolean volumes) throws IOException {
        Path dir = host.disposablesDir();
        java.util.Set<String> names = new java.util.TreeSet<>(
                java.util.Comparator.comparingInt(Disposables::number).thenComparing(java.util.Comparator.naturalOrder()));
        if (volumes) {
            storage.pool().volumeOwners().stream().filter(VmName::isDisposable).forEach(names::add);
        }
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> all = Files.newDirectoryStream(dir, "disp*.toml")) {
                all.forEach(file -> names.add(file.getFileName().toString().replaceFirst("\\.toml$", "")));
            }
        }
        List<String> removed = new ArrayList<>();
        for (String name : names) {
            if (!VmName.isDisposable(name)) {
                continue;
            }
            Optional<LockFile> lock = LockFile.acquire(dir.resolve(name + ".lock"), Duration.ZERO);
            if (lock.isEmpty()) {
                continue;
            }
            try (LockFile held = lock.get()) {
                removeEverything(configuration, name, dir.resolve(name + ".toml"), lifecycle);
                removed.add(name);
            }
        }
        return removed;
    }

    private static int number(String name) {
        try {
            return Integer.parseInt(name.substring("disp".length()));
        } catch (RuntimeException e) {
            return Integer.MAX_VALUE;
        }
    }
}
