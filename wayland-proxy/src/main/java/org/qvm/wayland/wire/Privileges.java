package org.qvm.wayland.wire;

import com.sun.jna.LastErrorException;

/** Gives up root for good: no supplementary groups, then the group, then the user, all three ids each. */
public final class Privileges {
    private Privileges() {
    }

    public static void dropTo(int uid, int gid) {
        try {
            LibC.INSTANCE.setgroups(0, new int[0]);
            LibC.INSTANCE.setresgid(gid, gid, gid);
            LibC.INSTANCE.setresuid(uid, uid, uid);
        } catch (LastErrorException e) {
            throw new IllegalStateException("cannot become uid " + uid + ", gid " + gid + ": " + LibC.INSTANCE.strerror(e.getErrorCode()));
        }
        if (LibC.INSTANCE.getuid() != uid || LibC.INSTANCE.geteuid() != uid) {
            throw new IllegalStateException("still not uid " + uid + " after setresuid");
        }
        if (uid != 0) {
            try {
                LibC.INSTANCE.setresuid(0, 0, 0);
                throw new IllegalStateException("could become root again after dropping to uid " + uid);
            } catch (LastErrorException expected) {
                // As it should be.
            }
        }
    }
}
