package org.jhyve.vm;

import org.jhyve.config.ConfigException;
import org.jhyve.sys.CpuidEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * CPUID bits hidden from the guest ({@code jhyve.cpuid.clear}): a comma-separated list of
 * {@code LEAF[.SUBLEAF]:REGISTER:BITS}, each clearing BITS in one register of a leaf (all its
 * subleaves when none is named), after jhyve's own CPUID adjustments. Hiding features lets a
 * guest see a common subset of several hosts' CPUs (for moving guests between CPU models), or
 * steers it away from something the host cannot do, e.g. {@code 0x40000001:eax:0x2880} hides
 * KVM's hypercall-based paravirtual IPIs, spinlock kicks and yields.
 */
public record CpuidMask(List<Rule> rules) {
    public static final CpuidMask NONE = new CpuidMask(List.of());

    /** One rule: clear {@code bits} in {@code register} (0 eax, 1 ebx, 2 ecx, 3 edx) of a leaf. */
    public record Rule(int leaf, int subleaf, int register, int bits) {
        public static final int ANY_SUBLEAF = -1;

        boolean matches(CpuidEntry e) {
            return e.function() == leaf && (subleaf == ANY_SUBLEAF || e.index() == subleaf);
        }
    }

    private static final List<String> REGISTERS = List.of("eax", "ebx", "ecx", "edx");

    public CpuidMask {
        rules = List.copyOf(rules);
    }

    /** Parses the variable's value; null or blank means nothing is hidden. */
    public static CpuidMask parse(String value) {
        if (value == null || value.isBlank()) return NONE;
        List<Rule> rules = new ArrayList<>();
        for (String item : value.split(",")) {
            String s = item.strip();
            String[] parts = s.split(":");
            if (parts.length != 3) {
                throw new ConfigException("jhyve.cpuid.clear: '" + s + "' is not LEAF[.SUBLEAF]:REGISTER:BITS");
            }
            String[] leafParts = parts[0].split("\\.");
            if (leafParts.length > 2) throw new ConfigException("jhyve.cpuid.clear: bad leaf '" + parts[0] + "' in '" + s + "'");
            int leaf = number(leafParts[0], s);
            int subleaf = leafParts.length == 2 ? number(leafParts[1], s) : Rule.ANY_SUBLEAF;
            int register = REGISTERS.indexOf(parts[1].strip().toLowerCase(java.util.Locale.ROOT));
            if (register < 0) throw new ConfigException("jhyve.cpuid.clear: register '" + parts[1] + "' in '" + s + "' is not eax, ebx, ecx or edx");
            rules.add(new Rule(leaf, subleaf, register, number(parts[2], s)));
        }
        return new CpuidMask(rules);
    }

    private static int number(String text, String item) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        try {
            long v = t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
            if (v < 0 || v > 0xFFFF_FFFFL) throw new NumberFormatException();
            return (int) v;
        } catch (NumberFormatException e) {
            throw new ConfigException("jhyve.cpuid.clear: '" + text + "' in '" + item + "' is not a 32-bit number");
        }
    }

    /** The entries with this mask's bits cleared. */
    public CpuidEntry[] apply(CpuidEntry[] entries) {
        if (rules.isEmpty()) return entries;
        CpuidEntry[] out = entries.clone();
        for (int i = 0; i < out.length; i++) {
            CpuidEntry e = out[i];
            int[] r = {e.eax(), e.ebx(), e.ecx(), e.edx()};
            for (Rule rule : rules) {
                if (rule.matches(e)) r[rule.register()] &= ~rule.bits();
            }
            out[i] = e.withRegs(r[0], r[1], r[2], r[3]);
        }
        return out;
    }
}
