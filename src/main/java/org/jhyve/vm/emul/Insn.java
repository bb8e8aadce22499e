package org.jhyve.vm.emul;

/**
 * One decoded instruction.
 *
 * @param length     bytes, prefixes included
 * @param lock       F0 prefix
 * @param rep        F3 prefix; {@code repne} F2
 * @param opSizePrefix 66 prefix present
 * @param opSize     operand size in bytes (2, 4 or 8) after 66 and REX.W
 * @param rex        the REX byte, 0 when absent
 * @param map        1 for one-byte opcodes, 2 for 0F xx
 * @param opcode     the opcode byte within its map
 * @param modrm      the ModRM byte, -1 when the opcode has none
 * @param reg        ModRM.reg extended by REX.R (the opcode extension for group opcodes)
 * @param rm         ModRM.rm extended by REX.B when it names a register (mod 3), else -1
 * @param mem        the memory operand, null when there is none
 * @param imm        the immediate, zero-extended
 */
public record Insn(int length, boolean lock, boolean rep, boolean repne, boolean opSizePrefix, int opSize, int rex, int map, int opcode,
                   int modrm, int reg, int rm, Operand mem, long imm) {
    public boolean rexW() { return (rex & 8) != 0; }

    /** The ModRM.reg field without REX.R: the /digit of group opcodes. */
    public int digit() { return reg & 7; }

    public String mnemonicKey() {
        return (map == 2 ? "0f " : "") + String.format("%02x", opcode) + (modrm >= 0 ? " /" + digit() : "");
    }
}
