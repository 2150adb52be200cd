package org.qvm.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.qvm.plan.Command;
import org.qvm.plan.CommandFailedException;
import org.qvm.plan.CommandResult;
import org.qvm.plan.CommandRunner;
import org.qvm.plan.Step;

/**
 * Private volumes as logical volumes in one volume group (the article's LVM on LUKS). State is
 * read from {@code vgs}/{@code lvs --reportformat json}. Volumes qvm makes carry the LVM tag
 * {@value #TAG}; a volume of the right name without it belongs to someone else.
 */
public final class LvmPool implements StoragePool {
    public static final String TAG = "qvm";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the LVM tools are run. */
    public enum Mode {
        /** Normal use: volumes are activated and get device nodes. */
        NORMAL,
        /**
         * For tests on kernels without device-mapper: every LVM command gets
         * {@code --config 'global{activation=0}'}, so only metadata changes, and the filesystem
         * steps (which need a device) are left out of plans. Never the default.
         */
        METADATA_ONLY
    }

    private final String volumeGroup;
    private final CommandRunner runner;
    private final Mode mode;

    public LvmPool(String volumeGroup, CommandRunner runner, Mode mode) {
        this.volumeGroup = volumeGroup;
        this.runner = runner;
        this.mode = mode;
    }

    @Override
    public String kind() {
        return "lvm";
    }

    @Override
    public String describe() {
        return "volume group " + volumeGroup;
    }

    private Command lvm(String... words) {
        List<String> argv = new ArrayList<>(List.of(words));
        if (mode == Mode.METADATA_ONLY) {
            argv.add(1, "--config");
            argv.add(2, "global{activation=0}");
        }
        return Command.of(argv).withEnvironment("LVM_SUPPRESS_FD_WARNINGS", "1");
    }

    private String lvPath(String lv) {
        return volumeGroup + "/" + lv;
    }

    @Override
    public Path path(String vmName) {
        return Path.of("/dev", volumeGroup, VolumeNames.logicalVolume(vmName));
    }

    @Override
    public Path pathInProgress(String vmName) {
        return Path.of("/dev", volumeGroup, VolumeNames.logicalVolumeInProgress(vmName));
    }

    @Override
    public ObservedVolume observe(String vmName) {
        Command vgs = lvm("vgs", "--reportformat", "json", "--units", "b", "--nosuffix",
                "-o", "vg_name,vg_free,vg_extent_size", volumeGroup);
        CommandResult groups = query(vgs);
        if (!groups.succeeded()) {
            if (groups.stderr().contains("not found")) {
                return new ObservedVolume(Optional.of("the " + describe() + " does not exist (create it, or set "
                        + "[storage] pool = \"file\")"), OptionalLong.empty(), 1, Optional.empty(), false);
            }
            throw new StorageException(CommandFailedException.of(groups).getMessage());
        }
        JsonNode group = report(groups.stdout(), "vg").path(0);
        long free = group.path("vg_free").asLong();
        long extent = Math.max(1, group.path("vg_extent_size").asLong());

        CommandResult volumes = query(lvm("lvs", "--reportformat", "json", "--units", "b", "--nosuffix",
                "-o", "lv_name,lv_size,lv_tags,data_percent", volumeGroup));
        if (!volumes.succeeded()) {
            throw new StorageException(CommandFailedException.of(volumes).getMessage());
        }
        Optional<ObservedVolume.Existing> volume = Optional.empty();
        boolean leftover = false;
        for (JsonNode lv : report(volumes.stdout(), "lv")) {
            String name = lv.path("lv_name").asText();
            if (name.equals(VolumeNames.logicalVolume(vmName))) {
                boolean ours = List.of(lv.path("lv_tags").asText().split(",")).contains(TAG);
                volume = Optional.of(new ObservedVolume.Existing(lv.path("lv_size").asLong(), ours,
                        "the logical volume has no '" + TAG + "' tag"));
            } else if (name.equals(VolumeNames.logicalVolumeInProgress(vmName))) {
                leftover = true;
            }
        }
        return new ObservedVolume(Optional.empty(), OptionalLong.of(free), extent, volume, leftover);
    }

    @Override
    public java.util.Set<String> volumeOwners() {
        CommandResult volumes = query(lvm("lvs", "--reportformat", "json", "-o", "lv_name,lv_tags", volumeGroup));
        java.util.Set<String> owners = new java.util.TreeSet<>();
        if (!volumes.succeeded()) {
            if (volumes.stderr().contains("not found")) {
                return owners;
            }
            throw new StorageException(CommandFailedException.of(volumes).getMessage());
        }
        for (JsonNode lv : report(volumes.stdout(), "lv")) {
            if (List.of(lv.path("lv_tags").asText().split(",")).contains(TAG)) {
                VolumeNames.ownerOfLogicalVolume(lv.path("lv_name").asText()).ifPresent(owners::add);
            }
        }
        return owners;
    }

    private CommandResult query(Command command) {
        try {
            return runner.run(command);
        } catch (CommandFailedException e) {
            throw new StorageException(e.programNotFound()
                    ? "'" + command.program() + "' is not installed (Debian package lvm2): " + e.getMessage()
                    : e.getMessage());
        }
    }

    /** The rows of an LVM JSON report: {"report": [{"vg": [...]}]} . */
    static JsonNode report(String json, String kind) {
        try {
            return JSON.readTree(json).path("report").path(0).path(kind);
        } catch (JsonProcessingException e) {
            throw new StorageException("cannot parse the JSON report of LVM: " + e.getOriginalMessage());
        }
    }

    @Override
    public List<Step> create(String vmName, long bytes) {
        String temporary = VolumeNames.logicalVolumeInProgress(vmName);
        return List.of(Step.undoable(
                lvm("lvcreate", "--yes", "--name", temporary, "--size", bytes + "b", "--addtag", TAG, volumeGroup),
                lvm("lvremove", "--yes", lvPath(temporary))));
    }

    @Override
    public Step rename(String vmName) {
        return Step.of(lvm("lvrename", volumeGroup, VolumeNames.logicalVolumeInProgress(vmName),
                VolumeNames.logicalVolume(vmName)));
    }

    @Override
    public List<Step> grow(String vmName, long bytes) {
        return List.of(Step.of(lvm("lvextend", "--size", bytes + "b", lvPath(VolumeNames.logicalVolume(vmName)))));
    }

    @Override
    public Step remove(String vmName) {
        return Step.of(lvm("lvremove", "--yes", lvPath(VolumeNames.logicalVolume(vmName))));
    }

    @Override
    public Step removeLeftover(String vmName) {
        return Step.of(lvm("lvremove", "--yes", lvPath(VolumeNames.logicalVolumeInProgress(vmName))));
    }

    @Override
    public boolean devicesAvailable() {
        return mode == Mode.NORMAL;
    }

    /** Known for thin volumes (their data percentage); a plain logical volume is all allocated. */
    @Override
    public OptionalLong used(String vmName) {
        CommandResult volumes = query(lvm("lvs", "--reportformat", "json", "--units", "b", "--nosuffix",
                "-o", "lv_size,data_percent", lvPath(VolumeNames.logicalVolume(vmName))));
        JsonNode lv = volumes.succeeded() ? report(volumes.stdout(), "lv").path(0) : JSON.missingNode();
        String percent = lv.path("data_percent").asText("");
        if (percent.isEmpty()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of((long) (lv.path("lv_size").asLong() * Double.parseDouble(percent) / 100));
    }
}
