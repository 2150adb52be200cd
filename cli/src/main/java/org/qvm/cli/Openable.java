package org.qvm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.qvm.guest.filecopy.FileCopyPacker;
import org.qvm.guest.protocol.OpenableUrl;

/**
 * What qvm-open-in-vm and qvm-open-in-dvm open: a URL (http, https or ftp, checked) or one
 * regular file of the host (scanned, ready to send). Anything else is a usage error, found before
 * any VM is touched.
 *
 * @param url  the URL, or empty for a file
 * @param file the file's manifest, or null for a URL
 */
record Openable(Optional<String> url, FileCopyPacker.Manifest file) {
    static Openable of(String what) throws IOException {
        if (OpenableUrl.looksLikeUrl(what)) {
            Optional<String> problem = OpenableUrl.problem(what);
            if (problem.isPresent()) {
                throw new UsageException(problem.get());
            }
            return new Openable(Optional.of(what), null);
        }
        Path file = Path.of(what);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new UsageException(what + " is not a regular file (a file or a URL is opened, one at a time)");
        }
        return new Openable(Optional.empty(), FileCopyPacker.scan(List.of(file), false));
    }
}
