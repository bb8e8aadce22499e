package org.jhyve.devices.e1000;

import org.jhyve.devices.net.MacAddress;

/**
 * The 82545EM's 64-word Microwire EEPROM: the image bhyve writes (MAC address in words 0-2, PCI
 * IDs, checksum word 0x3F making the sum 0xBABA), read either bit by bit through EECD, as
 * Linux's e1000 driver does on this part, or a word at a time through EERD.
 */
final class Eeprom {
    static final int WORDS = 64, CHECKSUM_WORD = 0x3F, SUM = 0xBABA;
    static final int SUBSYS_ID_WORD = 0x0B, SUBSYS_VENDOR_WORD = 0x0C, DEVICE_WORD = 0x0D, VENDOR_WORD = 0x0E;
    private static final int OPCODE_BITS = 3, ADDR_BITS = 6, DATA_BITS = 16;
    private static final int OP_READ = 0x6, OP_WRITE = 0x5, OP_EWEN_EWDS = 0x4, OP_ERASE = 0x7;

    private enum Mode { COMMAND, READ_OUT, WRITE_IN }

    private final int[] words = new int[WORDS];
    private int eecd = Regs.EECD_PRES | Regs.EECD_FWE_EN;
    private Mode mode = Mode.COMMAND;
    private int bits;          // bits still to shift in the current phase
    private int shift;         // the command being shifted in, or the data word in/out
    private int address;
    private boolean writeEnabled;

    Eeprom(MacAddress mac, int vendor, int device, int subVendor, int subDevice) {
        for (int i = 0; i < 3; i++) words[i] = mac.get(2 * i) | mac.get(2 * i + 1) << 8;
        words[SUBSYS_ID_WORD] = subDevice;
        words[SUBSYS_VENDOR_WORD] = subVendor;
        words[DEVICE_WORD] = device;
        words[VENDOR_WORD] = vendor;
        fixChecksum();
        command();
    }

    private void fixChecksum() {
        int sum = 0;
        for (int i = 0; i < CHECKSUM_WORD; i++) sum += words[i];
        words[CHECKSUM_WORD] = (SUM - sum) & 0xFFFF;
    }

    int word(int index) { return words[index]; }

    /** EECD as the guest reads it: DO carries the bit being shifted out. */
    int readEecd() { return eecd; }

    /**
     * A guest EECD write. REQ is granted at once; a rising SK edge with CS high shifts one bit; CS
     * low puts the part back in standby, waiting for a new command (Microwire behaviour).
     */
    void writeEecd(int value) {
        boolean rising = (eecd & Regs.EECD_SK) == 0 && (value & Regs.EECD_SK) != 0;
        int mask = Regs.EECD_SK | Regs.EECD_CS | Regs.EECD_DI | Regs.EECD_REQ;
        eecd = (eecd & ~mask) | (value & mask);
        eecd = (value & Regs.EECD_REQ) != 0 ? eecd | Regs.EECD_GNT : eecd & ~Regs.EECD_GNT;
        if ((eecd & Regs.EECD_CS) == 0) {
            command();
            eecd &= ~Regs.EECD_DO;
            return;
        }
        if (rising) clock((eecd & Regs.EECD_DI) != 0);
    }

    private void command() {
        mode = Mode.COMMAND;
        bits = OPCODE_BITS + ADDR_BITS;
        shift = 0;
    }

    private void clock(boolean in) {
        switch (mode) {
            case COMMAND -> {
                // Leading zeros before the start bit (the opcode's top 1) are ignored, as on the part.
                if (shift == 0 && !in && bits == OPCODE_BITS + ADDR_BITS) return;
                shift = shift << 1 | (in ? 1 : 0);
                if (--bits > 0) return;
                int op = shift >> ADDR_BITS;
                address = shift & (WORDS - 1);
                switch (op) {
                    case OP_READ -> {
                        mode = Mode.READ_OUT;
                        bits = DATA_BITS;
                        shift = words[address];
                        // the dummy zero bit precedes the data on a real part; Linux reads the
                        // 16 data bits right after the address, as bhyve and QEMU provide them
                    }
                    case OP_WRITE -> {
                        mode = Mode.WRITE_IN;
                        bits = DATA_BITS;
                        shift = 0;
                    }
                    case OP_EWEN_EWDS -> {
                        // EWEN has address bits 11xxxx, EWDS 00xxxx
                        writeEnabled = (address >> (ADDR_BITS - 2)) == 3;
                        command();
                    }
                    default -> command();   // ERASE and unknown commands do nothing here
                }
            }
            case READ_OUT -> {
                eecd = (shift & 0x8000) != 0 ? eecd | Regs.EECD_DO : eecd & ~Regs.EECD_DO;
                shift = shift << 1 & 0xFFFF;
                if (--bits == 0) {
                    // sequential read: the part goes on with the next word while CS stays high
                    address = (address + 1) & (WORDS - 1);
                    shift = words[address];
                    bits = DATA_BITS;
                }
            }
            case WRITE_IN -> {
                shift = shift << 1 | (in ? 1 : 0);
                if (--bits == 0) {
                    if (writeEnabled) words[address] = shift & 0xFFFF;
                    command();
                }
            }
        }
    }

    /** EERD: a write with START reads the word at once; DONE and the data appear in the register. */
    int eerd(int value) {
        if ((value & Regs.EERD_START) == 0) return value & ~Regs.EERD_DONE;
        int addr = value >>> Regs.EERD_ADDR_SHIFT & 0xFF;
        int data = addr < WORDS ? words[addr] : 0;
        return (value & 0xFF00) | Regs.EERD_DONE | data << Regs.EERD_DATA_SHIFT;
    }

    /** Back to the state after power-up (the contents are kept, as in a real EEPROM). */
    void reset() {
        eecd = Regs.EECD_PRES | Regs.EECD_FWE_EN;
        writeEnabled = false;
        command();
    }
}
