package org.qvm.storage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qvm.config.Size;
import org.qvm.plan.CheckedPlan;
import org.qvm.plan.Command;
import org.qvm.plan.Plan;
import org.qvm.plan.Step;

/**
 * Decides what a VM's private volume needs, for either kind of pool. Pure. The rules that keep
 * data safe live here, once:
 * <ul>
 * <li>a volume is formatted only right after it was made, under its temporary name, and only if
 *     no filesystem is found on it; a volume under its real name is never formatted;</li>
 * <li>a larger size grows the volume, never its filesystem: that filesystem is the guest's, and what
 *     a guest controls is not for root on the host to parse (e2fsck, resize2fs); the guest grows
 *     it itself when it next boots. A smaller size is refused;</li>
 * <li>a volume of that name that qvm did not make is never touched.</li>
 * </ul>
 */
public final class PrivateVolumePlanner {
    private PrivateVolumePlanner() {
    }

    /** Makes the volume if it is missing, grows it if the definition asks for more. */
    public static CheckedPlan prepare(StoragePool pool, String vmName, Size declared, ObservedVolume observed) {
        List<String> problems = new ArrayList<>();
        observed.poolProblem().ifPresent(problems::add);
        Plan.Builder plan = Plan.builder();
        if (observed.leftover()) {
            plan.add(pool.removeLeftover(vmName));
        }
        long wanted = observed.rounded(declared.bytes());
        if (observed.volume().isEmpty()) {
            needSpace(observed, wanted, "a new " + declared + " private volume for " + vmName, pool, problems);
            pool.create(vmName, wanted).forEach(plan::add);
            if (pool.devicesAvailable()) {
                format(pool.pathInProgress(vmName)).forEach(plan::add);
            }
            plan.add(pool.rename(vmName));
            return new CheckedPlan(plan.build(), problems);
        }
        ObservedVolume.Existing volume = observed.volume().get();
        if (!volume.ours()) {
            problems.add(pool.path(vmName) + " exists but qvm did not make it (" + volume.notOursReason()
                    + "): rename or remove it, qvm will not use or change it");
            return new CheckedPlan(plan.build(), problems);
        }
        if (wanted < volume.sizeBytes()) {
            problems.add("the private volume of " + vmName + " is " + new Size(volume.sizeBytes()) + " but its definition "
                    + "asks for " + declared + ": volumes are never shrunk (that would lose data); set [private] size "
                    + "to at least " + new Size(volume.sizeBytes()));
        } else if (wanted > volume.sizeBytes()) {
            needSpace(observed, wanted - volume.sizeBytes(), "growing the private volume of " + vmName + " to " + declared,
                    pool, problems);
            pool.grow(vmName, wanted).forEach(plan::add);
        }
        return new CheckedPlan(plan.build(), problems);
    }

    private static void needSpace(ObservedVolume observed, long bytes, String purpose, StoragePool pool,
                                  List<String> problems) {
        observed.poolFree().ifPresent(free -> {
            if (free < bytes) {
                problems.add("not enough free space in " + pool.describe() + " for " + purpose + ": "
                        + new Size(bytes) + " needed, " + new Size(free) + " free");
            }
        });
    }

    /** The only mkfs in the suite: on a volume made in the same plan, after checking it holds no filesystem. */
    static List<Step> format(Path device) {
        return List.of(
                Step.of(Command.of("blkid", "-p", device.toString()).succeedingOn(2)),
                Step.of(Command.of("mkfs.ext4", "-q", "-m", "0", device.toString()).withTimeout(java.time.Duration.ofMinutes(10))));
    }

    /** Removes the volume (and any leftover); refuses one that qvm did not make. */
    public static CheckedPlan remove(StoragePool pool, String vmName, ObservedVolume observed) {
        List<String> problems = new ArrayList<>();
        Plan.Builder plan = Plan.builder();
        observed.volume().ifPresent(volume -> {
            if (volume.ours()) {
                plan.add(pool.remove(vmName));
            } else {
                problems.add(pool.path(vmName) + " exists but qvm did not make it (" + volume.notOursReason()
                        + "): qvm will not remove it");
            }
        });
        if (observed.leftover()) {
            plan.add(pool.removeLeftover(vmName));
        }
        return new CheckedPlan(plan.build(), problems);
    }
}
