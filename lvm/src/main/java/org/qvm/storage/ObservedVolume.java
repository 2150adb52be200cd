package org.qvm.storage;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * What exists of one VM's private volume, and of its pool, as a {@link StoragePool} reads it.
 *
 * @param poolProblem  why the pool cannot be used at all (no such volume group), if so
 * @param poolFree     free bytes in the pool, when known
 * @param granularity  the pool's allocation unit (LVM extent size): sizes are rounded up to it
 * @param volume       the volume, if it exists
 * @param leftover     a half-made volume from an interrupted create exists (under the temporary name)
 */
public record ObservedVolume(Optional<String> poolProblem, OptionalLong poolFree, long granularity,
                             Optional<Existing> volume, boolean leftover) {

    /** An existing volume: its size, and whether qvm made it. */
    public record Existing(long sizeBytes, boolean ours, String notOursReason) {
    }

    /** Rounds a size up to the pool's granularity, as the pool will. */
    public long rounded(long bytes) {
        return granularity <= 1 ? bytes : (bytes + granularity - 1) / granularity * granularity;
    }
}
