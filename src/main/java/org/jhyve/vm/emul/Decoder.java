package org.jhyve.vm.emul;

/**
 * An x86 decoder for the instructions jhyve emulates: legacy prefixes, REX, the one-byte and
 * 0F opcode maps, ModRM/SIB/displacement (32- and 64-bit addressing; 16-bit addressing is
 * refused) and immediates. Opcodes with no executor are refused by name, so an unknown
 * instruction never runs as something else.
 */
public final class Decoder {
    /** How the code segment executes. */
    public enum CodeMode { BITS16, BITS32, BITS64 }

    private Decoder() {}

    public static Insn decode(byte[] b, CodeMode mode) {
        return new Cursor(b, mode).decode();
    }

    private static final class Cursor {
        private final byte[] b;
        private final CodeMode mode;
        private int p;

        Cursor(byte[] b, CodeMode mode) {
            this.b = b;
            this.mode = mode;
        }

        private int next() {
            if (p >= b.length) throw new EmulationException("instruction truncated after " + b.length + " bytes: " + hex());
            if (p >= 15) throw new Fault.Raised(Fault.gp(0)); // longer than 15 bytes: #GP(0)
            return b[p++] & 0xFF;
        }

        private long le(int n) {
            long v = 0;
            for (int i = 0; i < n; i++) v |= (long) next() << (8 * i);
            return v;
        }

        private String hex() { return java.util.HexFormat.ofDelimiter(" ").formatHex(b); }

        Insn decode() {
            boolean lock = false, rep = false, repne = false, opsize = false, adsize = false;
            SegReg seg = null;
            int rex = 0;
            int c;
            while (true) {
                c = next();
                if (mode == CodeMode.BITS64 && (c & 0xF0) == 0x40) {
                    rex = c;
                    continue;
                }
                switch (c) {
                    case 0xF0 -> lock = true;
                    case 0xF2 -> { repne = true; rep = false; }
                    case 0xF3 -> { rep = true; repne = false; }
                    case 0x66 -> opsize = true;
                    case 0x67 -> adsize = true;
                    case 0x26 -> seg = SegReg.ES;
                    case 0x2E -> seg = SegReg.CS;
                    case 0x36 -> seg = SegReg.SS;
                    case 0x3E -> seg = SegReg.DS;
                    case 0x64 -> seg = SegReg.FS;
                    case 0x65 -> seg = SegReg.GS;
                    default -> { }
                }
                if (c != 0xF0 && c != 0xF2 && c != 0xF3 && c != 0x66 && c != 0x67 && c != 0x26 && c != 0x2E
                        && c != 0x36 && c != 0x3E && c != 0x64 && c != 0x65) break;
                rex = 0; // REX counts only right before the opcode
            }
            int map = 1;
            int opcode = c;
            if (c == 0x0F) {
                map = 2;
                opcode = next();
            }
            boolean w = (rex & 8) != 0;
            int opSize = w ? 8 : (mode == CodeMode.BITS16) != opsize ? 2 : 4;
            int addressSize = switch (mode) {
                case BITS64 -> adsize ? 4 : 8;
                case BITS32 -> adsize ? 2 : 4;
                case BITS16 -> adsize ? 4 : 2;
            };
            Shape shape = shape(map, opcode);
            if (shape == null) {
                throw new EmulationException(String.format("no emulation for opcode %s%02x (bytes %s)",
                        map == 2 ? "0f " : "", opcode, hex()));
            }
            int modrm = -1, reg = 0, rm = -1;
            Operand mem = null;
            if (shape.modrm) {
                modrm = next();
                int mod = modrm >>> 6;
                reg = ((modrm >>> 3) & 7) | ((rex & 4) << 1);
                if (mod == 3) {
                    rm = (modrm & 7) | ((rex & 1) << 3);
                } else {
                    mem = memory(modrm, rex, addressSize, seg);
                }
            }
            long imm = shape.imm == 0 ? 0 : le(shape.imm);
            return new Insn(p, lock, rep, repne, opsize, opSize, rex, map, opcode, modrm, reg, rm, mem, imm);
        }

        private Operand memory(int modrm, int rex, int addressSize, SegReg override) {
            if (addressSize == 2) throw new EmulationException("16-bit addressing is not emulated (bytes " + hex() + ")");
            int mod = modrm >>> 6;
            int rmField = modrm & 7;
            int base, index = Operand.NONE, scale = 1;
            if (rmField == 4) {
                int sib = next();
                scale = 1 << (sib >>> 6);
                int idx = ((sib >>> 3) & 7) | ((rex & 2) << 2);
                if (idx != 4) index = idx;
                int bs = sib & 7;
                base = (bs == 5 && mod == 0) ? Operand.NONE : bs | ((rex & 1) << 3);
                if (bs == 5 && mod == 0) mod = 2; // disp32, no base
            } else if (rmField == 5 && mod == 0) {
                base = mode == CodeMode.BITS64 ? Operand.RIP : Operand.NONE;
                mod = 2;
            } else {
                base = rmField | ((rex & 1) << 3);
            }
            long disp = switch (mod) {
                case 1 -> (byte) le(1);
                case 2 -> (int) le(4);
                default -> 0;
            };
            SegReg seg = override != null ? override
                    : (base == CpuState.RSP || base == CpuState.RBP) ? SegReg.SS : SegReg.DS;
            return new Operand(seg, base, index, scale, disp, addressSize);
        }
    }

    private record Shape(boolean modrm, int imm) {}

    /** The operand shape of each opcode an executor exists for; null for the rest. */
    private static Shape shape(int map, int opcode) {
        if (map == 1) {
            return switch (opcode) {
                case 0xCC, 0xCE, 0xF1 -> new Shape(false, 0); // INT3, INTO, INT1
                case 0x9B -> new Shape(false, 0);             // FWAIT
                case 0xCD -> new Shape(false, 1);             // INT imm8
                default -> null;
            };
        }
        return switch (opcode) {
            case 0x01 -> new Shape(true, 0);             // group 7 (CLAC, STAC)
            case 0xAE, 0xC7 -> new Shape(true, 0);
            case 0xB8, 0xBC, 0xBD -> new Shape(true, 0); // POPCNT, TZCNT, LZCNT (with F3) // group 15 (XSAVE family), group 9 (CMPXCHG8B/16B, XRSTORS...)
            default -> null;
        };
    }
}
