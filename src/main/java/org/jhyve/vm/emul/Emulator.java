package org.jhyve.vm.emul;

import org.jhyve.vm.GuestMemory;

import java.util.HexFormat;

/**
 * jhyve's instruction emulator for what KVM's own emulator gives up on (an emulation-failure
 * exit): it decodes the instruction at RIP, carries it out on the vCPU state and guest memory,
 * and either finishes it (RIP past it, or a guest exception raised as the processor would) or
 * refuses it with the reason, and the VM then ends with status 4.
 */
public final class Emulator {
    /** What became of one emulation request. */
    public sealed interface Result permits Done, Refused {}

    /** The instruction was carried out (or raised a guest exception); the vCPU can run on. */
    public record Done(String what) implements Result {
        /** The instruction's name without operands ("clac", "int3", "xsaves"), for counting. */
        public String mnemonic() {
            if (what.startsWith("raised ")) return "fault raised";
            int end = what.indexOf(' ');
            return end < 0 ? what : what.substring(0, end);
        }
    }

    /** jhyve cannot carry it out; nothing in the guest changed. */
    public record Refused(String why) implements Result {}

    private final XsaveLayout xsaveLayout;

    public Emulator(XsaveLayout xsaveLayout) { this.xsaveLayout = xsaveLayout; }

    /**
     * Emulates the instruction at the vCPU's RIP.
     *
     * @param reported the instruction bytes KVM reported with the exit (may be empty: then they
     *                 are fetched from guest memory through the guest's page tables)
     */
    public Result emulate(CpuState cpu, GuestMemory memory, byte[] reported) {
        Mmu mmu = new Mmu(cpu, memory);
        byte[] bytes = reported;
        try {
            if (!cpu.protectedMode()) return new Refused("real-mode instructions are KVM's to emulate");
            Decoder.CodeMode mode = cpu.longMode64() ? Decoder.CodeMode.BITS64
                    : cpu.segment(SegReg.CS).db() ? Decoder.CodeMode.BITS32 : Decoder.CodeMode.BITS16;
            if (bytes == null || bytes.length == 0) bytes = fetch(cpu, mmu, mode);
            Insn insn = Decoder.decode(bytes, mode);
            Context c = new Context(cpu, mmu, insn, mode);
            String what = execute(c);
            cpu.commit();
            return new Done(what);
        } catch (Fault.Raised f) {
            cpu.discard();
            cpu.raise(f.fault());
            cpu.commit();
            return new Done("raised " + f.fault() + " for " + hex(bytes));
        } catch (EmulationException | org.jhyve.vm.GuestMemory.GuestMemoryException e) {
            cpu.discard();
            return new Refused(e.getMessage());
        }
    }

    private String execute(Context c) {
        Insn i = c.insn();
        if (i.map() == 1) return i.opcode() == 0x9B ? Fwait.execute(c) : SoftwareInterrupt.execute(c);
        if (i.opcode() == 0x01 && (i.modrm() == 0xCA || i.modrm() == 0xCB)) return AccessFlag.execute(c);
        if (i.opcode() == 0xB8 || i.opcode() == 0xBC || i.opcode() == 0xBD) return BitCount.execute(c);
        if (i.opcode() == 0xC7) {
            return switch (i.digit()) {
                case 1 -> CompareExchange16.execute(c);
                case 3, 4, 5 -> Xsave.execute(c, xsaveLayout);
                default -> throw new EmulationException("no emulation for 0f c7 /" + i.digit());
            };
        }
        if (i.opcode() == 0xAE && (i.digit() == 2 || i.digit() == 3) && i.mem() != null) return Mxcsr.execute(c);
        if (i.opcode() == 0xAE && i.digit() >= 4 && i.digit() <= 6 && i.mem() != null) return Xsave.execute(c, xsaveLayout);
        throw new EmulationException("no emulation for " + i.mnemonicKey());
    }

    /** Up to 15 bytes at CS:RIP, fewer when the next page is not mapped. */
    private static byte[] fetch(CpuState cpu, Mmu mmu, Decoder.CodeMode mode) {
        long base = mode == Decoder.CodeMode.BITS64 ? 0 : cpu.segment(SegReg.CS).base();
        long la = base + cpu.rip();
        if (mode != Decoder.CodeMode.BITS64) la &= 0xFFFF_FFFFL;
        Mmu.Mode who = mmu.programMode();
        int first = (int) Math.min(15, 4096 - (la & 0xFFF));
        byte[] head = mmu.read(la, first, Mmu.Access.FETCH, who);
        if (first == 15) return head;
        try {
            byte[] tail = mmu.read(la + first, 15 - first, Mmu.Access.FETCH, who);
            byte[] all = java.util.Arrays.copyOf(head, 15);
            System.arraycopy(tail, 0, all, first, tail.length);
            return all;
        } catch (Fault.Raised e) {
            return head;
        }
    }

    static String hex(byte[] b) { return b == null ? "(none)" : HexFormat.ofDelimiter(" ").formatHex(b); }
}
