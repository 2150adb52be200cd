package org.qvm.storage;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * One volume of a VM, for listings.
 *
 * @param size  bytes, or empty when the volume does not exist (yet)
 * @param used  bytes in use, when the pool knows
 */
public record VolumeInfo(String vm, String volume, String pool, OptionalLong size, Path path, OptionalLong used,
                         boolean readOnly) {
}
