package org.qvm.plan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sysctl -q -w KEY=VALUE...}, in this process: each value written, in order, into the
 * setting's file under {@code /proc/sys} (of this process's network namespace, for {@code net/}
 * keys). Keys are written with '/' separators, so that an interface name with a '.' stays one
 * element. It stops at the first setting that cannot be written, as sysctl reports it.
 */
public record KernelSettings(Map<String, String> settings) implements LocalAction {
    static final Path PROC_SYS = Path.of("/proc/sys");

    public KernelSettings {
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        if (settings.isEmpty()) {
            throw new IllegalArgumentException("no settings");
        }
        settings.forEach((key, value) -> {
            if (!isKey(key)) {
                throw new IllegalArgumentException("not a kernel setting's name: " + key);
            }
            if (value.isEmpty() || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("not a plain setting value for " + key + ": " + value);
            }
        });
    }

    public static KernelSettings of(String key, String value) {
        return new KernelSettings(Map.of(key, value));
    }

    @Override
    public Command equivalent() {
        List<String> argv = new ArrayList<>(List.of("sysctl", "-q", "-w"));
        settings.forEach((key, value) -> argv.add(key + "=" + value));
        return Command.of(argv);
    }

    @Override
    public void perform() throws IOException {
        performUnder(PROC_SYS);
    }

    /** Writes the settings as files under {@code root} (/proc/sys; a test's directory in tests). */
    void performUnder(Path root) throws IOException {
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            Path file = root.resolve(setting.getKey());
            try {
                // No CREATE: a setting the kernel does not have is an error, never a new file.
                Files.write(file, (setting.getValue() + "\n").getBytes(StandardCharsets.US_ASCII),
                        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            } catch (NoSuchFileException e) {
                throw new IOException("the kernel has no setting " + setting.getKey(), e);
            } catch (IOException e) {
                throw new IOException("cannot set " + setting.getKey() + " to " + setting.getValue() + ": "
                        + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
            }
        }
    }

    /** Reads one setting's value (of this process's network namespace, for {@code net/} keys). */
    public static String read(String key) throws IOException {
        if (!isKey(key)) {
            throw new IllegalArgumentException("not a kernel setting's name: " + key);
        }
        return Files.readString(PROC_SYS.resolve(key), StandardCharsets.US_ASCII).strip();
    }

    /** Relative, '/'-separated, no empty, "." or ".." element, no characters a path or a line would mistake. */
    static boolean isKey(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.endsWith("/")) {
            return false;
        }
        for (String element : key.split("/", -1)) {
            if (element.isEmpty() || element.equals(".") || element.equals("..")
                    || element.chars().anyMatch(c -> c <= 0x20 || c == '=' || c == 0x7f)) {
                return false;
            }
        }
        return true;
    }
}
