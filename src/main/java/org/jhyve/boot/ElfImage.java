package org.jhyve.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of an ELF executable a loader needs: loadable segments and notes. Accepts ELF32 and
 * ELF64 little-endian x86 images; every offset and size is checked against the file so a
 * truncated or hostile image gives a clear error, never an exception from deep inside.
 */
public record ElfImage(boolean is64, long entry, List<Segment> segments, List<Note> notes) {
    public record Segment(long paddr, long fileOffset, long fileSize, long memSize) {}

    public record Note(String name, int type, byte[] desc) {}

    public static final int PT_LOAD = 1, PT_NOTE = 4;

    public static boolean isElf(byte[] b) {
        return b.length >= 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
    }

    public static ElfImage parse(byte[] file, String what) {
        if (!isElf(file)) throw new BootException(what + ": not an ELF file");
        if (file.length < 52) throw new BootException(what + ": truncated ELF header");
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int cls = file[4];
        if (file[5] != 1) throw new BootException(what + ": not little-endian");
        boolean is64 = switch (cls) {
            case 1 -> false;
            case 2 -> true;
            default -> throw new BootException(what + ": bad ELF class " + cls);
        };
        int machine = Short.toUnsignedInt(b.getShort(18));
        if (machine != 3 && machine != 62) throw new BootException(what + ": ELF machine " + machine + " is not x86");
        long entry, phoff;
        int phentsize, phnum;
        if (is64) {
            if (file.length < 64) throw new BootException(what + ": truncated ELF64 header");
            entry = b.getLong(24);
            phoff = b.getLong(32);
            phentsize = Short.toUnsignedInt(b.getShort(54));
            phnum = Short.toUnsignedInt(b.getShort(56));
        } else {
            entry = Integer.toUnsignedLong(b.getInt(24));
            phoff = Integer.toUnsignedLong(b.getInt(28));
            phentsize = Short.toUnsignedInt(b.getShort(42));
            phnum = Short.toUnsignedInt(b.getShort(44));
        }
        int minEnt = is64 ? 56 : 32;
        if (phnum == 0) throw new BootException(what + ": no program headers");
        if (phentsize < minEnt || phoff < 0 || phoff + (long) phentsize * phnum > file.length) {
            throw new BootException(what + ": program headers outside the file");
        }
        List<Segment> segs = new ArrayList<>();
        List<Note> notes = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int p = (int) (phoff + (long) i * phentsize);
            int type = b.getInt(p);
            long off, paddr, filesz, memsz;
            if (is64) {
                off = b.getLong(p + 8);
                paddr = b.getLong(p + 24);
                filesz = b.getLong(p + 32);
                memsz = b.getLong(p + 40);
            } else {
                off = Integer.toUnsignedLong(b.getInt(p + 4));
                paddr = Integer.toUnsignedLong(b.getInt(p + 12));
                filesz = Integer.toUnsignedLong(b.getInt(p + 16));
                memsz = Integer.toUnsignedLong(b.getInt(p + 20));
            }
            if (type != PT_LOAD && type != PT_NOTE) continue;
            if (off < 0 || filesz < 0 || off + filesz > file.length || off + filesz < off) {
                throw new BootException(what + ": segment " + i + " lies outside the file (truncated image?)");
            }
            if (type == PT_LOAD) {
                if (memsz < filesz) throw new BootException(what + ": segment " + i + " memsz < filesz");
                segs.add(new Segment(paddr, off, filesz, memsz));
            } else {
                parseNotes(b, (int) off, (int) filesz, notes, what);
            }
        }
        if (segs.isEmpty()) throw new BootException(what + ": no loadable segments");
        return new ElfImage(is64, entry, List.copyOf(segs), List.copyOf(notes));
    }

    private static void parseNotes(ByteBuffer b, int off, int len, List<Note> out, String what) {
        int p = off, end = off + len;
        while (p + 12 <= end) {
            int namesz = b.getInt(p), descsz = b.getInt(p + 4), type = b.getInt(p + 8);
            int nameOff = p + 12;
            int descOff = nameOff + align4(namesz);
            if (namesz < 0 || descsz < 0 || descOff < 0 || descOff + (long) descsz > end) {
                throw new BootException(what + ": malformed ELF note");
            }
            byte[] name = new byte[Math.max(0, namesz - 1)];
            b.get(nameOff, name);
            byte[] desc = new byte[descsz];
            b.get(descOff, desc);
            out.add(new Note(new String(name, java.nio.charset.StandardCharsets.US_ASCII), type, desc));
            p = descOff + align4(descsz);
        }
    }

    private static int align4(int n) { return (n + 3) & ~3; }
}
