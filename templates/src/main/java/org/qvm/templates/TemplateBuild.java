package org.qvm.templates;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.qvm.config.Templates;
import org.qvm.plan.Command;
import org.qvm.plan.Plan;

/**
 * How a template is built, as plans (pure: {@code qvm-template build --dry-run} prints them). In a
 * directory of its own beside the templates ({@code .build-NAME}, removed if the build fails):
 * mmdebstrap installs the Debian packages into {@code root/} and runs the guest's customize hook
 * (guest/build/customize: the agent, the initramfs overlay, the setup unit, the user); the kernel
 * and initrd are copied out, and the root filesystem becomes a squashfs image. Then the manifest
 * is written (by the caller: it needs what the build made), {@code root/} goes, and the directory
 * is renamed into place: a template exists only complete.
 */
public final class TemplateBuild {
    /**
     * What every template has, beside the kernel: boot, devices, network tools (ping to check it),
     * xdg-open (what qvm-open-in-vm opens with), waypipe (windows over the guest channel), the JVM
     * for the agent.
     */
    static final List<String> BASE_PACKAGES = List.of("systemd-sysv", "udev", "kmod", "initramfs-tools", "iproute2",
            "e2fsprogs", "procps", "dbus", "iputils-ping", "xdg-utils", "waypipe", "openjdk-17-jre-headless");
    static final Duration DOWNLOAD_AND_INSTALL = Duration.ofMinutes(60);
    static final Duration IMAGE = Duration.ofMinutes(60);

    private TemplateBuild() {
    }

    /**
     * What to build.
     *
     * @param architecture Debian's name for it (amd64, arm64): the kernel is linux-image-cloud-ARCH
     */
    public record Request(String name, String release, String mirror, List<String> packages, String architecture) {
        public Request {
            packages = List.copyOf(packages);
        }

        /** Every package asked for: the base, the cloud kernel, then the extra ones, each once. */
        public List<String> allPackages() {
            Set<String> all = new LinkedHashSet<>(BASE_PACKAGES);
            all.add("linux-image-cloud-" + architecture);
            all.addAll(packages);
            return List.copyOf(all);
        }
    }

    /** The pieces of qvm a template carries: the guest's files and customize hook, and the agent. */
    public record GuestBundle(Path guestFiles, Path customizeHook, Path agentJar, Path agentWrapper) {
    }

    /** Where a build happens and where its template goes. */
    public record Places(Path store, Path building, Path finished) {
        public static Places of(Path dataDir, String name) {
            Path store = Templates.directory(dataDir);
            return new Places(store, store.resolve(".build-" + name), store.resolve(name));
        }

        public Path root() {
            return building.resolve("root");
        }

        public Path lock() {
            return store.resolve(".lock-" + finished.getFileName());
        }
    }

    /** Sets up the build's own directory (what an interrupted build left there goes first). */
    static Plan prepare(Places places) {
        return Plan.builder()
                .run(Command.of("mkdir", "-p", "-m", "0755", places.store().toString()))
                .run(Command.of("rm", "-rf", "--one-file-system", "--", places.building().toString()))
                .run(Command.of("mkdir", "-m", "0700", places.building().toString()),
                        Command.of("rm", "-rf", "--one-file-system", "--", places.building().toString()))
                .build();
    }

    /** Downloads and installs the packages, and makes the root filesystem a qvm guest (the customize hook). */
    static Plan install(Request request, GuestBundle bundle, Places places) {
        List<String> argv = new ArrayList<>(List.of("mmdebstrap", "--variant=minbase", "--components=main",
                "--architectures=" + request.architecture(), "--include=" + String.join(",", request.allPackages()),
                "--customize-hook=" + bundle.customizeHook(), request.release(), places.root().toString(), request.mirror()));
        return Plan.of(org.qvm.plan.Step.of(Command.of(argv)
                .withEnvironment("QVM_GUEST_FILES", bundle.guestFiles().toString())
                .withEnvironment("QVM_AGENT_JAR", bundle.agentJar().toString())
                .withEnvironment("QVM_AGENT_WRAPPER", bundle.agentWrapper().toString())
                .withTimeout(DOWNLOAD_AND_INSTALL)));
    }

    /** The kernel and initrd out of the root, and the root as a squashfs image. */
    static Plan image(Places places) {
        Path building = places.building();
        return Plan.builder()
                .run(Command.of("cp", "-L", "--", places.root().resolve("vmlinuz").toString(),
                        Templates.kernel(building).toString()))
                .run(Command.of("cp", "-L", "--", places.root().resolve("initrd.img").toString(),
                        Templates.initrd(building).toString()))
                .run(Command.of("mksquashfs", places.root().toString(), Templates.rootImage(building).toString(),
                        "-comp", "zstd", "-noappend", "-no-xattrs", "-quiet").withTimeout(IMAGE))
                .build();
    }

    /** After the manifest: the root filesystem goes, and the template takes its name. */
    static Plan publish(Places places) {
        return Plan.builder()
                .run(Command.of("rm", "-rf", "--one-file-system", "--", places.root().toString()))
                .run(Command.of("mv", "-T", "--", places.building().toString(), places.finished().toString()))
                .build();
    }

    /** The whole build, for --dry-run (the manifest, written between image and publish, is not a command). */
    public static Plan all(Request request, GuestBundle bundle, Places places) {
        return prepare(places).then(install(request, bundle, places)).then(image(places)).then(publish(places));
    }
}
