package org.jhyve.vm.emul;

/** A segment register's hidden part as KVM reports it (struct kvm_segment). */
public record Segment(long base, int limit, int selector, int type, boolean present, int dpl, boolean db,
                      boolean system, boolean longMode, boolean granularity, boolean unusable) {
    /** A flat 64-bit ring-0 code segment, for tests and as the shape of a loaded CS. */
    public static Segment code64(int selector, int dpl) {
        return new Segment(0, 0xFFFFFFFF, selector, 0xB, true, dpl, false, false, true, true, false);
    }

    public static Segment flatData(int selector, int dpl) {
        return new Segment(0, 0xFFFFFFFF, selector, 0x3, true, dpl, true, false, false, true, false);
    }

    public Segment withSelector(int s) {
        return new Segment(base, limit, s, type, present, dpl, db, system, longMode, granularity, unusable);
    }
}
