package org.qvm.storage;

/**
 * The names of a VM's volumes, derived from its name. The private volume is the logical volume
 * {@code qvm-NAME-private} (lvm pool) or the image {@code NAME-private.img} (file pool). While it
 * is being made and formatted it carries the suffix {@code -new}/{@code .new}, and only a complete,
 * formatted volume is renamed to its real name: an interrupted create leaves a leftover that the
 * next start removes, never a half-made volume under the real name.
 */
public final class VolumeNames {
    public static final String PRIVATE = "private";
    public static final String ROOT = "root";

    private VolumeNames() {
    }

    public static String logicalVolume(String vmName) {
        return "qvm-" + vmName + "-private";
    }

    public static String logicalVolumeInProgress(String vmName) {
        return logicalVolume(vmName) + "-new";
    }

    public static String imageFile(String vmName) {
        return vmName + "-private.img";
    }

    public static String imageFileInProgress(String vmName) {
        return imageFile(vmName) + ".new";
    }
}
