package org.qvm.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.qvm.config.HostConfig;

/**
 * A VM's recorded state, {@code <state-dir>/<vm>/state}: the state on the first line, then the
 * identity of its crosvm process ({@code pid=}, {@code start-time=}, {@code boot-id=}). What
 * {@code qvm-ls} shows is the recorded state checked against the process: a VM whose crosvm is
 * gone without a shutdown is Crashed; one whose crosvm went while it was halting is Halted.
 */
public final class RuntimeState {
    public static final String STATE_FILE = "state";
    private static final int MAX_STATE_BYTES = 4096;

    private final HostConfig host;

    public RuntimeState(HostConfig host) {
        this.host = host;
    }

    /** What was recorded: the state and, once crosvm runs, its identity. */
    public record Recorded(VmState state, Optional<ProcessIdentity> process) {
    }

    public Optional<Recorded> read(String vmName) {
        Path file = RuntimeDir.of(host, vmName).stateFile();
        try {
            if (Files.size(file) > MAX_STATE_BYTES) {
                return Optional.of(new Recorded(VmState.CRASHED, Optional.empty()));
            }
            String[] lines = Files.readString(file).split("\n");
            VmState state = VmState.parse(lines[0].split("\\s+")[0]);
            Map<String, String> fields = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int equals = lines[i].indexOf('=');
                if (equals > 0) {
                    fields.put(lines[i].substring(0, equals).strip(), lines[i].substring(equals + 1).strip());
                }
            }
            Optional<ProcessIdentity> process = Optional.empty();
            if (fields.containsKey("pid")) {
                process = Optional.of(new ProcessIdentity(Long.parseLong(fields.get("pid")),
                        Long.parseLong(fields.getOrDefault("start-time", "-1")), fields.getOrDefault("boot-id", "")));
            }
            return Optional.of(new Recorded(state, process));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            // Unreadable or damaged: the VM cannot be taken to be running normally.
            return Optional.of(new Recorded(VmState.CRASHED, Optional.empty()));
        }
    }

    /** The state to show and act on. */
    public VmState stateOf(String vmName) {
        return read(vmName).map(RuntimeState::effective).orElse(VmState.HALTED);
    }

    static VmState effective(Recorded recorded) {
        boolean alive = recorded.process().map(ProcessIdentity::isAlive).orElse(false);
        return switch (recorded.state()) {
            case HALTED -> VmState.HALTED;
            case HALTING -> alive ? VmState.HALTING : VmState.HALTED;
            case STARTING -> alive || recorded.process().isEmpty() ? VmState.STARTING : VmState.CRASHED;
            default -> alive ? recorded.state() : VmState.CRASHED;
        };
    }

    /** Records a state (atomically), keeping the process identity unless a new one is given. */
    public void write(String vmName, VmState state, Optional<ProcessIdentity> process) throws IOException {
        RuntimeDir dir = RuntimeDir.of(host, vmName);
        Optional<ProcessIdentity> identity = process.isPresent() ? process : read(vmName).flatMap(Recorded::process);
        StringBuilder text = new StringBuilder(state.displayName()).append('\n');
        identity.ifPresent(id -> text.append("pid=").append(id.pid()).append('\n')
                .append("start-time=").append(id.startTime()).append('\n')
                .append("boot-id=").append(id.bootId()).append('\n'));
        Files.createDirectories(dir.dir());
        Path temporary = dir.dir().resolve(STATE_FILE + ".new");
        Files.writeString(temporary, text);
        Files.move(temporary, dir.stateFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
