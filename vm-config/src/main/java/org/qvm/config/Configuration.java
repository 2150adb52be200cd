package org.qvm.config;

import java.util.List;
import java.util.Optional;

/** The host settings and every VM, in name order: what every tool reads. */
public record Configuration(HostConfig host, List<Vm> vms) {

    public Configuration {
        vms = List.copyOf(vms);
    }

    public Optional<Vm> find(String name) {
        return vms.stream().filter(vm -> vm.name().equals(name)).findFirst();
    }

    /** The VM of that name, or an error that lists the names there are. */
    public Vm require(String name) {
        return find(name).orElseThrow(() -> new UnknownVmException(name, this));
    }

    public List<String> names() {
        return vms.stream().map(Vm::name).toList();
    }
}
