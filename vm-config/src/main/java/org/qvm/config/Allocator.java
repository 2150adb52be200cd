package org.qvm.config;

import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.LongStream;

/**
 * Gives every VM a vsock CID and every VM with network a /31 from the pool. Pure: the same
 * definitions and record give the same answer. A value pinned in a VM's file is used as it is; a
 * value recorded for the VM earlier is kept while it is still free and valid; the VMs left get the
 * lowest free values, in name order. Because recorded values are kept, adding a VM never moves an
 * existing one.
 */
final class Allocator {
    private Allocator() {
    }

    /**
     * @param vms      the VMs, in name order; their pinned values must not clash (checked before)
     * @param pool     the network pool; it must have room for every VM with network (checked before)
     * @param recorded what was allocated before, by VM name
     */
    static Map<String, Allocation> allocate(List<VmDefinition> vms, Ipv4Network pool, Map<String, Allocation> recorded) {
        List<PointToPointLink> links = PointToPointLink.carve(pool);
        Set<PointToPointLink> inPool = new HashSet<>(links);

        Map<String, Long> cids = assign(vms,
                vm -> vm.cid().isPresent() ? Optional.of(vm.cid().getAsLong()) : Optional.empty(),
                name -> Optional.ofNullable(recorded.get(name)).map(Allocation::cid),
                LongStream.iterate(VmDefinitionParser.MIN_CID, cid -> cid + 1).boxed().iterator());

        List<VmDefinition> networked = vms.stream().filter(vm -> vm.network().enabled()).toList();
        Map<String, PointToPointLink> assignedLinks = assign(networked,
                vm -> vm.network().address().map(PointToPointLink::forGuest),
                name -> Optional.ofNullable(recorded.get(name)).flatMap(Allocation::link).filter(inPool::contains),
                links.iterator());

        Map<String, Allocation> result = new TreeMap<>();
        for (VmDefinition vm : vms) {
            result.put(vm.name(), new Allocation(cids.get(vm.name()), Optional.ofNullable(assignedLinks.get(vm.name()))));
        }
        return result;
    }

    private static <T> Map<String, T> assign(List<VmDefinition> vms, Function<VmDefinition, Optional<T>> pinned,
                                             Function<String, Optional<T>> recorded, Iterator<T> candidates) {
        Map<String, T> result = new TreeMap<>();
        Set<T> taken = new HashSet<>();
        for (VmDefinition vm : vms) {
            pinned.apply(vm).ifPresent(value -> {
                result.put(vm.name(), value);
                taken.add(value);
            });
        }
        for (VmDefinition vm : vms) {
            if (!result.containsKey(vm.name())) {
                recorded.apply(vm.name()).filter(taken::add).ifPresent(value -> result.put(vm.name(), value));
            }
        }
        for (VmDefinition vm : vms) {
            if (!result.containsKey(vm.name())) {
                T next;
                do {
                    if (!candidates.hasNext()) {
                        throw new IllegalStateException("no free value left for " + vm.name());
                    }
                    next = candidates.next();
                } while (!taken.add(next));
                result.put(vm.name(), next);
            }
        }
        return result;
    }
}
