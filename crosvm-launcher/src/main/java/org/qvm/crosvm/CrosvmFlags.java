package org.qvm.crosvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code crosvm run} accepts, from the lists beside this class (copied from the suite's
 * reference, read from crosvm's {@code struct RunCommand} at f1e797a6): every long flag, and for
 * each whether it is a switch or takes a value and whether it is deprecated. Options that may be
 * given more than once are crosvm's {@code Vec<T>} fields; every other option is one-shot, and
 * crosvm refuses to start (status 35) when one is given twice.
 */
public final class CrosvmFlags {
    /** The {@code Vec<T>} options of {@code RunCommand} (crosvm-cli.md §2). */
    static final Set<String> REPEATABLE = Set.of("--block", "--params", "--serial", "--shared-dir", "--net",
            "--wayland-sock", "--vhost-user", "--vfio", "--pmem", "--scsi-block", "--input", "--evdev", "--keyboard",
            "--mouse", "--switches", "--rotary", "--single-touch", "--multi-touch", "--trackpad", "--disk", "--rwdisk",
            "--tap-name", "--tap-fd", "--pmem-device", "--rw-pmem-device", "--gpu-display");

    private static CrosvmFlags instance;

    private final Set<String> accepted;
    private final Set<String> switches = new HashSet<>();
    private final Set<String> deprecated = new HashSet<>();

    private CrosvmFlags(Set<String> accepted, Map<String, String[]> table) {
        this.accepted = accepted;
        table.forEach((flag, columns) -> {
            if (columns.length > 1 && columns[1].equals("switch")) {
                switches.add(flag);
            }
            if (columns.length > 4 && columns[4].equals("deprecated")) {
                deprecated.add(flag);
            }
        });
    }

    /** The lists shipped with the suite. */
    public static synchronized CrosvmFlags load() {
        if (instance == null) {
            Set<String> accepted = new LinkedHashSet<>(lines("crosvm-run-flags.txt"));
            Map<String, String[]> table = new HashMap<>();
            for (String line : lines("crosvm-run-flags-table.tsv")) {
                String[] columns = line.split("\t", -1);
                table.put(columns[0], columns);
            }
            instance = new CrosvmFlags(accepted, table);
        }
        return instance;
    }

    private static List<String> lines(String resource) {
        try (InputStream in = CrosvmFlags.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            List<String> lines = new ArrayList<>();
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .map(String::strip).filter(line -> !line.isEmpty()).forEach(lines::add);
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean accepts(String flag) {
        return accepted.contains(flag);
    }

    public boolean isDeprecated(String flag) {
        return deprecated.contains(flag);
    }

    public boolean isSwitch(String flag) {
        return switches.contains(flag);
    }

    public boolean isRepeatable(String flag) {
        return REPEATABLE.contains(flag);
    }

    /**
     * What is wrong with the arguments of {@code crosvm run} (after "run"): flags crosvm does not
     * accept, deprecated flags, one-shot options given twice, {@code --flag=value} on a switch,
     * and anything but exactly one KERNEL positional.
     */
    public List<String> problems(List<String> runArguments) {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int positionals = 0;
        for (int i = 0; i < runArguments.size(); i++) {
            String argument = runArguments.get(i);
            if (!argument.startsWith("--")) {
                positionals++;
                continue;
            }
            String flag = argument.contains("=") ? argument.substring(0, argument.indexOf('=')) : argument;
            if (!accepts(flag)) {
                problems.add(flag + " is not a flag of crosvm run");
                continue;
            }
            if (isDeprecated(flag)) {
                problems.add(flag + " is deprecated");
            }
            if (!seen.add(flag) && !isRepeatable(flag)) {
                problems.add(flag + " is given twice, but crosvm takes it once");
            }
            if (isSwitch(flag)) {
                if (argument.contains("=")) {
                    problems.add(flag + " is a switch and takes no value");
                }
            } else if (!argument.contains("=")) {
                i++;
                if (i >= runArguments.size()) {
                    problems.add(flag + " needs a value");
                }
            }
        }
        if (positionals != 1) {
            problems.add("crosvm run takes exactly one KERNEL, found " + positionals);
        }
        return problems;
    }
}
