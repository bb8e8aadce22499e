package org.jhyve.mgmt.argv;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jhyve.mgmt.xml.Address;
import org.jhyve.mgmt.xml.DomainXmlException;

/**
 * PCI bus 0 occupancy. Slot 0 belongs to the host bridge; the others are handed out lowest free
 * slot first, a slot counting as free only while none of its functions is taken.
 */
final class PciSlots {
    private final Map<Integer, Set<Integer>> used = new HashMap<>();

    PciSlots() { used.put(0, new TreeSet<>(Set.of(0))); }

    /** libvirt treats an all-zero PCI address like a missing one: the device wants a slot. */
    static boolean wantsSlot(Address a) {
        return a == null || (a instanceof Address.Pci p && p.domain() == 0 && p.bus() == 0 && p.slot() == 0
                && p.function() == 0);
    }

    void reserve(Address.Pci p, String what) throws DomainXmlException {
        if (p.domain() != 0 || p.bus() != 0) {
            throw DomainXmlException.unsupported(what + ": only PCI domain 0 bus 0 is supported, not " + p.domain() + ":" + p.bus());
        }
        if (!used.computeIfAbsent(p.slot(), k -> new TreeSet<>()).add(p.function())) {
            throw DomainXmlException.unsupported(what + ": PCI slot " + p.slot() + " function " + p.function()
                    + " is already in use");
        }
    }

    boolean inUse(int slot) { return used.containsKey(slot) && !used.get(slot).isEmpty(); }

    Address.Pci next(String what) throws DomainXmlException {
        for (int s = 1; s < 32; s++) {
            if (!inUse(s)) {
                var p = Address.Pci.slot(s);
                reserve(p, what);
                return p;
            }
        }
        throw DomainXmlException.unsupported("No more available PCI slots (for " + what + ")");
    }

    List<Integer> usedSlots() { return new ArrayList<>(new TreeSet<>(used.keySet())); }
}
