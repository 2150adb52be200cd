package org.qvm.qvmd;

/** The services qvmd offers guests, by Qubes' names. */
final class Services {
    /** A file copy to another VM: qvm-copy, qvm-move, qvm-copy-to-vm and qvm-move-to-vm in a guest. */
    static final String FILECOPY = "qubes.Filecopy";

    private Services() {
    }
}
