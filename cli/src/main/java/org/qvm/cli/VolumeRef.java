package org.qvm.cli;

import org.qvm.storage.VolumeNames;

/** A volume named on the command line as Qubes does, {@code VM:VOLUME} (root or private). */
record VolumeRef(String vm, String volume) {

    static VolumeRef parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new UsageException("'" + text + "' is not VM:VOLUME (for example dev:private)");
        }
        String volume = text.substring(colon + 1);
        if (!volume.equals(VolumeNames.PRIVATE) && !volume.equals(VolumeNames.ROOT)) {
            throw new UsageException("a VM has the volumes 'root' and 'private', not '" + volume + "'");
        }
        return new VolumeRef(text.substring(0, colon), volume);
    }

    /** A reference that must name a private volume (the root image is shared and read-only). */
    static VolumeRef parsePrivate(String text, String action) {
        VolumeRef ref = parse(text);
        if (!ref.isPrivate()) {
            throw new UsageException("only private volumes can be " + action + "; the root image is shared by the VMs "
                    + "and read-only");
        }
        return ref;
    }

    boolean isPrivate() {
        return volume.equals(VolumeNames.PRIVATE);
    }

    @Override
    public String toString() {
        return vm + ":" + volume;
    }
}
