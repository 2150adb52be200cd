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

    /** The VM a logical volume's name belongs to, when it is a private volume's (whole or in progress). */
    public static java.util.Optional<String> ownerOfLogicalVolume(String lv) {
        return ownerOf(lv, "qvm-", "-private", "-new");
    }

    /** The VM an image file's name belongs to, when it is a private volume's (whole or in progress). */
    public static java.util.Optional<String> ownerOfImageFile(String file) {
        return ownerOf(file, "", "-private.img", ".new");
    }

    private static java.util.Optional<String> ownerOf(String name, String prefix, String suffix, String inProgress) {
        String whole = name.endsWith(inProgress) ? name.substring(0, name.length() - inProgress.length()) : name;
        if (!whole.startsWith(prefix) || !whole.endsWith(suffix) || whole.length() <= prefix.length() + suffix.length()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(whole.substring(prefix.length(), whole.length() - suffix.length()));
    }
}
