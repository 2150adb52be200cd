package org.qvm.cli;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.qvm.guest.filecopy.FileCopyPacker;

/**
 * Removes exactly what a verified copy sent: its files and links, then its directories once
 * they are empty. Something that appeared meanwhile (or a link left out with --ignore-symlinks)
 * keeps its directory.
 */
final class SourceRemoval {
    private SourceRemoval() {
    }

    static void remove(FileCopyPacker.Manifest manifest) throws IOException {
        List<FileCopyPacker.Entry> entries = manifest.entries();
        for (FileCopyPacker.Entry entry : entries) {
            if (entry.isFile() || entry.linkTarget() != null) {
                Files.deleteIfExists(entry.path());
            }
        }
        for (FileCopyPacker.Entry entry : entries) {
            if (entry.closesDirectory() && Files.isDirectory(entry.path(), LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.delete(entry.path());
                } catch (DirectoryNotEmptyException e) {
                    // Something not copied is in it: it stays.
                }
            }
        }
    }
}
