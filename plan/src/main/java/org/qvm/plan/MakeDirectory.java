package org.qvm.plan;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * {@code mkdir -p -m MODE DIR}, in this process: the directory's missing parents are made (with
 * the usual permissions), the directory itself with exactly {@code mode} (whatever the umask); a
 * directory that is there already is left as it is, and anything else in its place is an error.
 */
public record MakeDirectory(Path dir, String mode) implements LocalAction {
    public MakeDirectory {
        if (!dir.isAbsolute()) {
            throw new IllegalArgumentException("not an absolute path: " + dir);
        }
        permissions(mode);
    }

    @Override
    public Command equivalent() {
        return Command.of("mkdir", "-p", "-m", mode, dir.toString());
    }

    @Override
    public void perform() throws IOException {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return;  // Made meanwhile, as mkdir -p allows.
            }
            throw new IOException(dir + " exists and is not a directory", e);
        }
        // The mode after the directory is made, as mkdir -m does: the umask has no say.
        Files.setPosixFilePermissions(dir, permissions(mode));
    }

    /** An octal mode of permission bits only ("0700", "755"). */
    public static Set<PosixFilePermission> permissions(String mode) {
        if (!mode.matches("0?[0-7]{3}")) {
            throw new IllegalArgumentException("not a mode of permission bits: " + mode);
        }
        int bits = Integer.parseInt(mode, 8);
        StringBuilder text = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int part = (bits >> shift) & 7;
            text.append((part & 4) != 0 ? 'r' : '-').append((part & 2) != 0 ? 'w' : '-').append((part & 1) != 0 ? 'x' : '-');
        }
        return PosixFilePermissions.fromString(text.toString());
    }
}
