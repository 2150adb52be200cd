package org.qvm.config;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Checks that need every VM at once: values two VMs cannot share, and room in the pool. */
final class CrossVmChecks {
    private CrossVmChecks() {
    }

    static void check(HostConfig host, TomlDocument hostDocument, List<ConfigLoader.ParsedVm> vms,
                      Diagnostics diagnostics) {
        host.defaults().dispvm().ifPresent(dispvm -> {
            if (vms.stream().noneMatch(vm -> vm.definition().name().equals(dispvm) && vm.definition().disposableTemplate())) {
                diagnostics.add(hostDocument.at(List.of("defaults", "dispvm"), "'defaults.dispvm' names '" + dispvm
                        + "', which is no VM with disposable-template = true"));
            }
        });
        unique(vms, List.of("cid"), "vsock CID", vm -> vm.cid().isPresent() ? Optional.of(vm.cid().getAsLong()) : Optional.empty(),
                diagnostics);
        unique(vms, List.of("network", "address"), "address", vm -> vm.network().address(), diagnostics);
        addressesInPool(host, vms, diagnostics);
        if (host.guest().transport() == HostConfig.GuestTransport.TCP) {
            // Over TCP the agent is reached through the VM's own tap: a VM without one cannot be reached.
            for (ConfigLoader.ParsedVm vm : vms) {
                if (!vm.definition().network().enabled() && vm.definition().agent() != VmDefinition.Agent.NONE) {
                    diagnostics.add(vm.document().at(List.of("network"), "'" + vm.definition().name() + "' has no network, "
                            + "but [guest] transport = \"tcp\" in " + host.file() + " reaches the agent over the VM's "
                            + "network: give it a [network] table, or set agent = \"none\""));
                }
            }
        }
        if (host.guest().transport() == HostConfig.GuestTransport.UNIX) {
            // qemu has no hybrid vsock (a UNIX socket that stands for the guest's vsock ports).
            for (ConfigLoader.ParsedVm vm : vms) {
                if (vm.definition().hypervisor() == HostConfig.Hypervisor.QEMU && vm.definition().agent() != VmDefinition.Agent.NONE) {
                    diagnostics.add(vm.document().at(List.of("hypervisor"), "'" + vm.definition().name() + "' runs on qemu, "
                            + "which has no hybrid vsock for [guest] transport = \"unix\" in " + host.file() + ": use "
                            + "transport = \"vsock\" (with /dev/vhost-vsock) or \"tcp\", or set agent = \"none\""));
                }
            }
        }

        List<String> networked = vms.stream().map(ConfigLoader.ParsedVm::definition)
                .filter(vm -> vm.network().enabled()).map(VmDefinition::name).toList();
        if (networked.isEmpty()) {
            return;
        }
        if (host.network().uplink().isEmpty()) {
            diagnostics.add(hostDocument.at(List.of("network", "uplink"), "'network.uplink' is not set, but "
                    + String.join(", ", networked) + " have network enabled: name the host interface they reach "
                    + "the outside through"));
        }
        long capacity = PointToPointLink.capacity(host.network().pool());
        if (networked.size() > capacity) {
            diagnostics.add(hostDocument.at(List.of("network", "pool"), "'network.pool' " + host.network().pool()
                    + " has room for " + capacity + " VMs with network (one /31 each, first and last pairs unused), but "
                    + networked.size() + " have network enabled"));
        }
    }

    /** Reports each VM that pins a value an earlier VM (in name order) already pins. */
    private static <T> void unique(List<ConfigLoader.ParsedVm> vms, List<String> key, String what,
                                   Function<VmDefinition, Optional<T>> value, Diagnostics diagnostics) {
        Map<T, ConfigLoader.ParsedVm> firstUser = new LinkedHashMap<>();
        for (ConfigLoader.ParsedVm vm : vms) {
            Optional<T> pinned = value.apply(vm.definition());
            if (pinned.isEmpty()) {
                continue;
            }
            ConfigLoader.ParsedVm first = firstUser.putIfAbsent(pinned.get(), vm);
            if (first != null) {
                Diagnostic firstPlace = first.document().at(key, "");
                diagnostics.add(vm.document().at(key, "'" + String.join(".", key) + "' " + pinned.get()
                        + " is also the " + what + " of VM '" + first.definition().name() + "' ("
                        + firstPlace.file() + ":" + firstPlace.line() + "); no two VMs may share a " + what));
            }
        }
    }

    private static void addressesInPool(HostConfig host, List<ConfigLoader.ParsedVm> vms, Diagnostics diagnostics) {
        Ipv4Network pool = host.network().pool();
        Set<PointToPointLink> usable = new HashSet<>(PointToPointLink.carve(pool));
        for (ConfigLoader.ParsedVm vm : vms) {
            vm.definition().network().address().ifPresent(address -> {
                if (!pool.contains(address)) {
                    diagnostics.add(vm.document().at(List.of("network", "address"), "'network.address' " + address
                            + " is outside the pool " + pool + " set in " + host.file()));
                } else if (!usable.contains(PointToPointLink.forGuest(address))) {
                    diagnostics.add(vm.document().at(List.of("network", "address"), "'network.address' " + address
                            + " is in the first or last /31 of the pool " + pool + ", which are not handed out"));
                }
            });
        }
    }
}
