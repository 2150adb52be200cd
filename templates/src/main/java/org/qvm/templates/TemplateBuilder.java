package org.qvm.templates;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.qvm.config.LockFile;
import org.qvm.config.Templates;
import org.qvm.plan.CommandRunner;
import org.qvm.plan.PlanExecutor;
import org.qvm.plan.PlanFailedException;

/**
 * Builds a template: runs {@link TemplateBuild}'s plans in turn under the template's lock, writes
 * the manifest between making the image and publishing it, and says on {@code progress} which
 * phase runs (and, while packages download, how much has come). A failed build removes its
 * directory; the template appears only complete.
 */
public final class TemplateBuilder {
    private static final long REPORT_NANOS = 5_000_000_000L;

    private final PlanExecutor executor;
    private final Consumer<String> progress;
    private final String qvmVersion;

    public TemplateBuilder(CommandRunner runner, Consumer<String> progress, String qvmVersion) {
        this.executor = new PlanExecutor(runner);
        this.progress = progress;
        this.qvmVersion = qvmVersion;
    }

    /** Builds the template; it must not exist yet. */
    public TemplateManifest build(TemplateBuild.Request request, TemplateBuild.GuestBundle bundle, Path dataDir)
            throws IOException {
        TemplateBuild.Places places = TemplateBuild.Places.of(dataDir, request.name());
        executor.execute(org.qvm.plan.Plan.of(org.qvm.plan.Step.of(org.qvm.plan.Command.of("mkdir", "-p", "-m", "0755",
                places.store().toString()))));
        try (LockFile lock = LockFile.acquire(places.lock())) {
            if (Files.exists(places.finished())) {
                throw new TemplateException("the template " + request.name() + " exists already: remove it first "
                        + "(qvm-template remove " + request.name() + ")");
            }
            boolean done = false;
            try {
                executor.execute(TemplateBuild.prepare(places));
                progress.accept("downloading and installing " + request.allPackages().size() + " packages and what "
                        + "they need, from " + request.mirror() + " (" + request.release() + ")");
                runReportingDownloads(TemplateBuild.install(request, bundle, places), places);
                progress.accept("making the root image (squashfs)");
                executor.execute(TemplateBuild.image(places));
                progress.accept("writing the manifest");
                TemplateManifest manifest = manifest(request, places);
                manifest.write(Templates.manifest(places.building()));
                executor.execute(TemplateBuild.publish(places));
                done = true;
                progress.accept("built " + request.name() + " (" + (manifest.size() >> 20) + " MiB) in " + places.finished());
                return manifest;
            } catch (PlanFailedException e) {
                throw new TemplateException("cannot build " + request.name() + ": " + e.getMessage(), e);
            } finally {
                if (!done) {
                    removeQuietly(places);
                }
            }
        }
    }

    /** Runs the install plan, saying every few seconds how much the packages downloaded so far weigh. */
    private void runReportingDownloads(org.qvm.plan.Plan install, TemplateBuild.Places places) {
        Path archives = places.root().resolve("var/cache/apt/archives");
        Thread reporter = new Thread(() -> {
            long last = -1;
            while (!Thread.currentThread().isInterrupted()) {
                LockSupport.parkNanos(REPORT_NANOS);
                long bytes = sizeOf(archives);
                if (bytes > 0 && bytes != last) {
                    progress.accept("downloaded " + (bytes >> 20) + " MiB");
                    last = bytes;
                }
            }
        }, "qvm-template-downloads");
        reporter.setDaemon(true);
        reporter.start();
        try {
            executor.execute(install);
        } finally {
            reporter.interrupt();
        }
    }

    private static long sizeOf(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.mapToLong(file -> file.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private TemplateManifest manifest(TemplateBuild.Request request, TemplateBuild.Places places) throws IOException {
        Map<String, TemplateManifest.FileEntry> files = new LinkedHashMap<>();
        for (Path file : new Path[] {Templates.kernel(places.building()), Templates.initrd(places.building()),
                Templates.rootImage(places.building())}) {
            files.put(file.getFileName().toString(), new TemplateManifest.FileEntry(Files.size(file), sha256(file)));
        }
        return new TemplateManifest(request.name(), request.release(), request.mirror(), request.architecture(),
                request.allPackages(), DpkgStatus.installed(places.root()), files,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), qvmVersion);
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void removeQuietly(TemplateBuild.Places places) {
        try {
            executor.executeAll(org.qvm.plan.Plan.of(org.qvm.plan.Step.of(org.qvm.plan.Command.of("rm", "-rf",
                    "--one-file-system", "--", places.building().toString()))));
        } catch (PlanFailedException e) {
            progress.accept("could not remove " + places.building() + ": " + e.getMessage());
        }
    }
}
