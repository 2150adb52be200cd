package org.qvm.storage;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.qvm.plan.Command;
import org.qvm.plan.CommandFailedException;
import org.qvm.plan.CommandResult;
import org.qvm.plan.CommandRunner;
import org.qvm.plan.MakeDirectory;
import org.qvm.plan.MoveFile;
import org.qvm.plan.RemoveFile;
import org.qvm.plan.SetFileSize;
import org.qvm.plan.Step;

/**
 * Private volumes as sparse image files in one directory, for hosts without LVM. The directory
 * belongs to qvm: a regular file of the right name is taken as qvm's; anything else of that name
 * (a symbolic link, a directory) is not. Files are made, sized, renamed and removed by the tool
 * itself (shown as truncate, mv and rm); only blkid and mkfs.ext4 run as programs.
 */
public final class FilePool implements StoragePool {
    private final Path dir;
    private final CommandRunner runner;

    public FilePool(Path dir, CommandRunner runner) {
        this.dir = dir;
        this.runner = runner;
    }

    @Override
    public String kind() {
        return "file";
    }

    @Override
    public String describe() {
        return "directory " + dir;
    }

    @Override
    public Path path(String vmName) {
        return dir.resolve(VolumeNames.imageFile(vmName));
    }

    @Override
    public Path pathInProgress(String vmName) {
        return dir.resolve(VolumeNames.imageFileInProgress(vmName));
    }

    @Override
    public ObservedVolume observe(String vmName) {
        Path image = path(vmName);
        Optional<ObservedVolume.Existing> volume = Optional.empty();
        if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            boolean regular = Files.isRegularFile(image, LinkOption.NOFOLLOW_LINKS);
            long size = regular ? sizeOf(image) : 0;
            volume = Optional.of(new ObservedVolume.Existing(size, regular, "it is not a regular file"));
        }
        boolean leftover = Files.exists(pathInProgress(vmName), LinkOption.NOFOLLOW_LINKS);
        return new ObservedVolume(Optional.empty(), OptionalLong.empty(), 1, volume, leftover);
    }

    @Override
    public java.util.Set<String> volumeOwners() {
        java.util.Set<String> owners = new java.util.TreeSet<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return owners;
        }
        try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    VolumeNames.ownerOfImageFile(file.getFileName().toString()).ifPresent(owners::add);
                }
            }
        } catch (java.io.IOException e) {
            throw new StorageException("cannot list " + dir + ": " + e.getMessage());
        }
        return owners;
    }

    private static long sizeOf(Path image) {
        try {
            return Files.size(image);
        } catch (java.io.IOException e) {
            throw new StorageException("cannot read the size of " + image + ": " + e.getMessage());
        }
    }

    @Override
    public List<Step> create(String vmName, long bytes) {
        Path temporary = pathInProgress(vmName);
        return List.of(
                Step.of(new MakeDirectory(dir, "0700")),
                Step.undoable(new SetFileSize(temporary, bytes), new RemoveFile(temporary)));
    }

    @Override
    public Step rename(String vmName) {
        return Step.of(new MoveFile(pathInProgress(vmName), path(vmName)));
    }

    @Override
    public List<Step> grow(String vmName, long bytes) {
        return List.of(Step.of(new SetFileSize(path(vmName), bytes)));
    }

    @Override
    public Step remove(String vmName) {
        return Step.of(new RemoveFile(path(vmName)));
    }

    @Override
    public Step removeLeftover(String vmName) {
        return Step.of(new RemoveFile(pathInProgress(vmName)));
    }

    @Override
    public boolean devicesAvailable() {
        return true;
    }

    /** The bytes the sparse image really takes on disk. */
    @Override
    public OptionalLong used(String vmName) {
        Path image = path(vmName);
        if (!Files.isRegularFile(image, LinkOption.NOFOLLOW_LINKS)) {
            return OptionalLong.empty();
        }
        try {
            CommandResult stat = runner.check(Command.of("stat", "--format", "%b %B", image.toString()));
            String[] blocks = stat.stdout().strip().split(" ");
            return OptionalLong.of(Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]));
        } catch (CommandFailedException | NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return OptionalLong.empty();
        }
    }
}
