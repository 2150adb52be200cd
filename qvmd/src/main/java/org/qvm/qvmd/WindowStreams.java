package org.qvm.qvmd;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.qvm.config.Configuration;
import org.qvm.guest.Deadline;
import org.qvm.guest.transport.GuestSocket;
import org.qvm.guest.transport.Splice;
import org.qvm.guest.transport.Unix;
import org.qvm.lifecycle.RuntimeDir;

/**
 * The streams of a VM's windows: each connection a guest's waypipe server opens on the Wayland
 * port goes, byte for byte, to that VM's waypipe client ({@code <state-dir>/desktop/<vm>/waypipe.sock},
 * which qvm-start started as the desktop user) and nowhere else: the VM is the one the channel
 * names. One stream per application, at most {@value #PER_VM} at once per VM; an idle stream is
 * an application that draws nothing, so only the stream's end closes it.
 */
final class WindowStreams {
    static final int PER_VM = 64;
    private static final Duration CONNECT = Duration.ofSeconds(5);

    private final Supplier<Configuration> configuration;
    private final Consumer<String> log;
    private final Map<String, Semaphore> open = new ConcurrentHashMap<>();

    WindowStreams(Supplier<Configuration> configuration, Consumer<String> log) {
        this.configuration = configuration;
        this.log = log;
    }

    /** Relays one stream from {@code vm} in threads of its own; refused when the VM has as many as it may. */
    void relay(String vm, GuestSocket guest) {
        Optional<Path> client = waypipeClientOf(vm);
        if (client.isEmpty()) {
            log.accept("a window stream from " + vm + " refused: its windows do not travel by waypipe");
            guest.close();
            return;
        }
        Semaphore slots = open.computeIfAbsent(vm, name -> new Semaphore(PER_VM));
        if (!slots.tryAcquire()) {
            log.accept("a window stream from " + vm + " refused: " + PER_VM + " are open");
            guest.close();
            return;
        }
        Thread thread = new Thread(() -> {
            try (guest; GuestSocket desktop = Unix.connect(client.get(), Deadline.in(CONNECT).nanoTime())) {
                Splice.bothWays(guest, desktop, "qvmd-windows-" + vm);
            } catch (IOException e) {
                log.accept("a window stream from " + vm + " could not reach its waypipe client: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                slots.release();
            }
        }, "qvmd-windows-" + vm);
        thread.setDaemon(true);
        thread.start();
    }

    private Optional<Path> waypipeClientOf(String name) {
        Configuration now = configuration.get();
        if (now == null) {
            return Optional.empty();
        }
        return now.find(name).filter(vm -> vm.definition().windowsByWaypipe()).map(vm -> RuntimeDir.of(now.host(), vm.name()).waypipeSocket());
    }

}
