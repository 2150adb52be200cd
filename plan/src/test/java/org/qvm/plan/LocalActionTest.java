package org.qvm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The changes to files a plan makes in the tool's own process, on real files, against the commands they stand for. */
class LocalActionTest {
    @TempDir
    Path dir;

    @Test
    void makeDirectoryMakesTheParentsAndGivesTheDirectoryExactlyItsModeWhateverTheUmask() throws IOException {
        Path made = dir.resolve("a/b/vm");
        new MakeDirectory(made, "0700").perform();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(made)));
        new MakeDirectory(dir.resolve("open"), "0777").perform();
        assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("open"))),
                "the umask (022 or stricter) would have taken write from group and others");
    }

    @Test
    void makeDirectoryLeavesADirectoryThatIsThereAsItIsLikeMkdirP() throws IOException {
        Path there = Files.createDirectory(dir.resolve("there"));
        Files.setPosixFilePermissions(there, PosixFilePermissions.fromString("rwxr-x---"));
        Files.writeString(there.resolve("kept"), "x");
        new MakeDirectory(there, "0700").perform();
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(there)));
        assertTrue(Files.exists(there.resolve("kept")));
    }

    @Test
    void makeDirectoryRefusesASymbolicLinkOrAFileInItsPlace() throws IOException {
        Path target = Files.createDirectory(dir.resolve("elsewhere"));
        String targetMode = PosixFilePermissions.toString(Files.getPosixFilePermissions(target));
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        IOException failure = assertThrows(IOException.class, () -> new MakeDirectory(link, "0700").perform());
        assertTrue(failure.getMessage().contains("is not a directory"), failure.getMessage());
        assertEquals(targetMode, PosixFilePermissions.toString(Files.getPosixFilePermissions(target)), "nothing changed through the link");
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThrows(IOException.class, () -> new MakeDirectory(file, "0700").perform());
        assertEquals("x", Files.readString(file));
    }

    @Test
    void makeDirectoryTakesOnlyAnAbsolutePathAndPermissionBits() {
        assertThrows(IllegalArgumentException.class, () -> new MakeDirectory(Path.of("relative"), "0700"));
        assertThrows(IllegalArgumentException.class, () -> new MakeDirectory(Path.of("/x"), "4755"));
        assertThrows(IllegalArgumentException.class, () -> new MakeDirectory(Path.of("/x"), "u+rwx"));
        assertEquals("mkdir -p -m 0711 /run/qvm/desktop", new MakeDirectory(Path.of("/run/qvm/desktop"), "0711").render());
    }

    @Test
    void kernelSettingsWriteEachValueInOrderIntoItsFileAndShowAsOneSysctl() throws IOException {
        Path conf = Files.createDirectories(dir.resolve("net/ipv4/conf/qvm-a.b"));
        Files.writeString(conf.resolve("forwarding"), "0\n");
        Files.writeString(conf.resolve("rp_filter"), "2\n");
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("net/ipv4/conf/qvm-a.b/forwarding", "1");
        settings.put("net/ipv4/conf/qvm-a.b/rp_filter", "1");
        KernelSettings action = new KernelSettings(settings);
        action.performUnder(dir);
        assertEquals("1\n", Files.readString(conf.resolve("forwarding")));
        assertEquals("1\n", Files.readString(conf.resolve("rp_filter")));
        assertEquals("sysctl -q -w net/ipv4/conf/qvm-a.b/forwarding=1 net/ipv4/conf/qvm-a.b/rp_filter=1", action.render());
    }

    @Test
    void aSettingTheKernelDoesNotHaveIsAnErrorNeverANewFile() {
        KernelSettings action = KernelSettings.of("net/ipv4/conf/gone/forwarding", "1");
        IOException failure = assertThrows(IOException.class, () -> action.performUnder(dir));
        assertEquals("the kernel has no setting net/ipv4/conf/gone/forwarding", failure.getMessage());
        assertTrue(Files.notExists(dir.resolve("net")));
    }

    @Test
    void aKeyThatWouldLeaveProcSysOrAValueThatWouldSplitALineIsRefused() {
        for (String key : new String[] {"../etc/passwd", "net/../../x", "/proc/sys/x", "net//x", "net/x/", "net/x=1", "net/a b", ""}) {
            assertThrows(IllegalArgumentException.class, () -> KernelSettings.of(key, "1"), key);
        }
        assertThrows(IllegalArgumentException.class, () -> KernelSettings.of("net/x", "1\n0"));
        assertThrows(IllegalArgumentException.class, () -> KernelSettings.of("net/x", ""));
        assertThrows(IllegalArgumentException.class, () -> KernelSettings.read("../x"));
    }

    @Test
    void readingASettingReadsTheKernelsValue() throws IOException {
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/ostype")).strip(), KernelSettings.read("kernel/ostype"));
    }
}
