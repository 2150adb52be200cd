package org.qvm.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qvm.plan.Command;
import org.qvm.plan.CommandResult;
import org.qvm.plan.ProcessRunner;

/**
 * A volume group of a test's own, on a loop device over a sparse file in the test's directory.
 * This kernel has no device-mapper, so every LVM command here runs with
 * {@code --config 'global{activation=0}'}: volumes exist as metadata only. Closing removes the
 * group, the physical volume and the loop device.
 */
public final class LoopVolumeGroup implements AutoCloseable {
    public static final String METADATA_ONLY = "global{activation=0}";
    private static final ProcessRunner RUNNER = new ProcessRunner();

    private final String name;
    private final String device;
    private final Path backing;

    private LoopVolumeGroup(String name, String device, Path backing) {
        this.name = name;
        this.device = device;
        this.backing = backing;
    }

    /** A group named {@code qvmt<pid>} of {@code mib} MiB. */
    public static LoopVolumeGroup create(Path dir, long mib) {
        Path backing = dir.resolve("pv.img");
        try {
            Files.deleteIfExists(backing);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RUNNER.check(Command.of("truncate", "--size", mib + "M", backing.toString()));
        String device = RUNNER.check(Command.of("losetup", "--find", "--show", backing.toString())).stdout().strip();
        String name = "qvmt" + ProcessHandle.current().pid();
        LoopVolumeGroup group = new LoopVolumeGroup(name, device, backing);
        try {
            group.lvm("pvcreate", "--yes", device);
            group.lvm("vgcreate", "--yes", name, device);
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
        return group;
    }

    public String name() {
        return name;
    }

    /** Runs an LVM command (metadata only); it must succeed. */
    public CommandResult lvm(String tool, String... args) {
        return RUNNER.check(command(tool, args));
    }

    public static Command command(String tool, String... args) {
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of(tool, "--config", METADATA_ONLY));
        argv.addAll(java.util.List.of(args));
        return Command.of(argv).withEnvironment("LVM_SUPPRESS_FD_WARNINGS", "1");
    }

    @Override
    public void close() {
        RUNNER.run(command("vgremove", "--yes", "--force", name));
        RUNNER.run(command("pvremove", "--yes", device));
        RUNNER.run(Command.of("losetup", "--detach", device));
        try {
            Files.deleteIfExists(backing);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
