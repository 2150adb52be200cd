package org.qvm.guest.files;

import org.qvm.guest.transport.LibC;

/**
 * Runs file system work as another user, in this thread only: Linux keeps a filesystem uid and
 * gid per thread (setfsuid, setfsgid), and a root thread that takes a user's ids also loses the
 * capabilities that would let it override permissions. What that work creates belongs to the user,
 * and nothing it does, by any name, can touch what the user could not touch.
 */
public final class FsIdentity {
    private FsIdentity() {
    }

    /** Work that may fail. */
    public interface Work<T, E extends Exception> {
        T run() throws E;
    }

    /** Runs {@code work} with the filesystem ids {@code uid} and {@code gid}, then takes ours back. */
    public static <T, E extends Exception> T runAs(int uid, int gid, Work<T, E> work) throws E {
        int previousGid = LibC.INSTANCE.setfsgid(gid);
        int previousUid = LibC.INSTANCE.setfsuid(uid);
        try {
            // setfsuid answers with the old id whether it worked or not: ask again to know.
            if (LibC.INSTANCE.setfsuid(-1) != uid || LibC.INSTANCE.setfsgid(-1) != gid) {
                throw new IllegalStateException("cannot take the filesystem ids " + uid + ":" + gid);
            }
            return work.run();
        } finally {
            LibC.INSTANCE.setfsuid(previousUid);
            LibC.INSTANCE.setfsgid(previousGid);
        }
    }
}
