package org.qvm.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.qvm.config.HostConfig;
import org.qvm.config.Vm;
import org.qvm.plan.CheckedPlan;
import org.qvm.plan.CommandRunner;
import org.qvm.plan.PlanExecutor;

/**
 * A VM's disks: the shared root image (validated, attached read-only) and its own private
 * volume in the host's pool. The caller holds the VM's lock.
 */
public final class VmStorage {
    private final StoragePool pool;
    private final PlanExecutor executor;

    public VmStorage(StoragePool pool, CommandRunner runner) {
        this.pool = pool;
        this.executor = new PlanExecutor(runner);
    }

    /** The pool the host file asks for. */
    public static StoragePool poolFor(HostConfig host, CommandRunner runner) {
        return switch (host.storage().pool()) {
            case LVM -> new LvmPool(host.storage().volumeGroup(), runner, LvmPool.Mode.NORMAL);
            case FILE -> new FilePool(host.storage().dir(), runner);
        };
    }

    public StoragePool pool() {
        return pool;
    }

    /** The block device or image of the VM's private volume. */
    public Path privateVolume(Vm vm) {
        return pool.path(vm.name());
    }

    /** What is wrong with the VM's root image: it must be a readable file or block device. */
    public static List<String> rootImageProblems(Vm vm) {
        Path root = vm.definition().rootfs();
        String where = "(rootfs in " + vm.definition().file() + ", or [defaults] rootfs in the host file)";
        if (!Files.exists(root)) {
            return List.of("the root image " + root + " of " + vm.name() + " does not exist " + where);
        }
        if (Files.isDirectory(root)) {
            return List.of("the root image " + root + " of " + vm.name() + " is a directory, not an image " + where);
        }
        if (!Files.isReadable(root)) {
            return List.of("the root image " + root + " of " + vm.name() + " cannot be read");
        }
        return List.of();
    }

    /**
     * What preparing the VM's disks would do. When the pool cannot be read (no permission, tools
     * missing: a dry run as an ordinary user) it plans as if the volume did not exist and says so.
     */
    public CheckedPlan planPrepare(Vm vm) {
        try {
            return planPrepare(vm, pool.observe(vm.name()), List.of());
        } catch (StorageException e) {
            ObservedVolume nothing = new ObservedVolume(java.util.Optional.empty(), OptionalLong.empty(), 1,
                    java.util.Optional.empty(), false);
            return planPrepare(vm, nothing, List.of("cannot read the " + pool.describe() + " (" + e.getMessage()
                    + "); planned as if the private volume did not exist"));
        }
    }

    private CheckedPlan planPrepare(Vm vm, ObservedVolume observed, List<String> observeProblems) {
        List<String> problems = new ArrayList<>(rootImageProblems(vm));
        problems.addAll(observeProblems);
        CheckedPlan plan = PrivateVolumePlanner.prepare(pool, vm.name(), vm.definition().privateSize(), observed);
        problems.addAll(plan.problems());
        return new CheckedPlan(plan.plan(), problems);
    }

    /**
     * Makes the private volume if it is missing, grows it if the definition asks for more, and
     * checks the root image. Problems stop it before anything changes; a failure half-way
     * removes the half-made volume (a volume that existed is never removed).
     */
    public void prepare(Vm vm) {
        CheckedPlan plan = planPrepare(vm, pool.observe(vm.name()), List.of());
        if (!plan.problems().isEmpty()) {
            throw new StorageException("cannot prepare the disks of " + vm.name() + ": " + String.join("; ", plan.problems()));
        }
        executor.execute(plan.plan());
    }

    /** What removing the VM's private volume would do. */
    public CheckedPlan planRemove(String vmName) {
        return PrivateVolumePlanner.remove(pool, vmName, pool.observe(vmName));
    }

    /** Removes the VM's private volume: only ever called by an explicit, confirmed removal. */
    public void remove(String vmName) {
        CheckedPlan plan = planRemove(vmName);
        if (!plan.isClear()) {
            throw new StorageException(String.join("; ", plan.problems()));
        }
        executor.execute(plan.plan());
    }

    /**
     * The VM's volumes: its root image and its private volume. When the pool cannot be read (an
     * ordinary user and LVM), the private volume is listed with its size unknown.
     */
    public List<VolumeInfo> list(Vm vm) {
        Path root = vm.definition().rootfs();
        List<VolumeInfo> volumes = new ArrayList<>();
        volumes.add(new VolumeInfo(vm.name(), VolumeNames.ROOT, "image", fileSize(root), root, OptionalLong.empty(), true));
        OptionalLong size = OptionalLong.empty();
        OptionalLong used = OptionalLong.empty();
        try {
            ObservedVolume observed = pool.observe(vm.name());
            if (observed.volume().isPresent()) {
                size = OptionalLong.of(observed.volume().get().sizeBytes());
                used = pool.used(vm.name());
            }
        } catch (StorageException e) {
            // Listed as unknown; the pool's problem shows when it is acted on.
        }
        volumes.add(new VolumeInfo(vm.name(), VolumeNames.PRIVATE, pool.kind(), size, pool.path(vm.name()), used, false));
        return volumes;
    }

    private static OptionalLong fileSize(Path file) {
        try {
            return Files.isRegularFile(file) ? OptionalLong.of(Files.size(file)) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }
}
