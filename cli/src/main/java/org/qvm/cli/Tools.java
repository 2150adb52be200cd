package org.qvm.cli;

import java.util.List;

/** The qvm-* tools, one command class each. */
final class Tools {
    static final List<String> NAMES = List.of("qvm-ls", "qvm-start", "qvm-shutdown", "qvm-kill", "qvm-pause",
            "qvm-unpause", "qvm-run", "qvm-copy-to-vm", "qvm-move-to-vm", "qvm-open-in-vm",
            "qvm-open-in-dvm", "qvm-dispvm-cleanup", "qvm-volume", "qvm-template", "qvmd", "qvm-policy-ask", "qvm-clipboard",
            "qvm-tool-server");

    private Tools() {
    }

    /** A new instance of the named tool, or null. A switch, not reflection: start-up time matters. */
    static Tool create(String name) {
        return switch (name) {
            case "qvm-ls" -> new QvmLs();
            case "qvm-start" -> new QvmStart();
            case "qvm-shutdown" -> new QvmShutdown();
            case "qvm-kill" -> new QvmKill();
            case "qvm-pause" -> new QvmPause();
            case "qvm-unpause" -> new QvmUnpause();
            case "qvm-run" -> new QvmRun();
            case "qvm-copy-to-vm" -> new QvmCopyToVm();
            case "qvm-move-to-vm" -> new QvmMoveToVm();
            case "qvm-open-in-vm" -> new QvmOpenInVm();
            case "qvm-open-in-dvm" -> new QvmOpenInDvm();
            case "qvm-dispvm-cleanup" -> new QvmDispvmCleanup();
            case "qvm-volume" -> new QvmVolume();
            case "qvm-template" -> new QvmTemplate();
            case "qvmd" -> new QvmdDaemon();
            case "qvm-policy-ask" -> new QvmPolicyAsk();
            case "qvm-clipboard" -> new QvmClipboard();
            case "qvm-tool-server" -> new QvmToolServer();
            default -> null;
        };
    }
}
