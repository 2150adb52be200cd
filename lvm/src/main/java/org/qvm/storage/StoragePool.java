package org.qvm.storage;

import java.nio.file.Path;
import java.util.List;
import org.qvm.plan.Step;

/**
 * One kind of pool (a volume group, a directory of images): how to read a VM's private volume
 * and the commands that make, grow, rename and remove one. The decisions are made once, for both
 * kinds, by {@link PrivateVolumePlanner}.
 */
public interface StoragePool {

    /** "lvm" or "file", as in the host file. */
    String kind();

    /** Where the pool is, for messages and listings ("volume group qubes", a directory). */
    String describe();

    ObservedVolume observe(String vmName);

    /**
     * The VM names that have a private volume here, whole or left over from an interrupted create
     * (for finding the volumes of disposables that did not outlive a reboot). A pool that does not
     * exist yet has none.
     */
    java.util.Set<String> volumeOwners();

    /** The block device or image file the VM gets. */
    Path path(String vmName);

    /** The device or file of the volume while it is being made. */
    Path pathInProgress(String vmName);

    /** Makes the empty volume under its temporary name; undone by removing it. */
    List<Step> create(String vmName, long bytes);

    /** Gives the complete volume its real name. */
    Step rename(String vmName);

    /** Grows the volume (not its filesystem) to {@code bytes}. */
    List<Step> grow(String vmName, long bytes);

    /** Removes the volume under its real name. */
    Step remove(String vmName);

    /** Removes a leftover of an interrupted create. */
    Step removeLeftover(String vmName);

    /** Whether the volume's device exists on this host, so its filesystem can be made and checked. */
    boolean devicesAvailable();

    /** Bytes of the volume in use, when the pool knows (a sparse image's allocated blocks). */
    java.util.OptionalLong used(String vmName);
}
