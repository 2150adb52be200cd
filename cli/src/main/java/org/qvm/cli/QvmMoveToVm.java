package org.qvm.cli;

import java.util.List;
import picocli.CommandLine.Command;

/** qvm-move-to-vm: copy into a VM, then remove the sources once the copy is verified. */
@Command(name = "qvm-move-to-vm", header = "move files into a VM", sortOptions = false, description = {
        "Like qvm-copy-to-vm, then remove what was copied here, but only after the VM confirmed the whole copy and "
                + "its CRC matched. Any failure leaves the sources as they were."})
final class QvmMoveToVm extends QvmCopyToVm {
    @Override
    List<String[]> examples() {
        return List.<String[]>of(new String[] {"qvm-move-to-vm personal ~/photos",
                "copy, and remove ~/photos only once personal confirmed all of it"});
    }

    @Override
    boolean moves() {
        return true;
    }
}
