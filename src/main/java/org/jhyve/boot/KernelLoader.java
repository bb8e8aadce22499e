package org.jhyve.boot;

import org.jhyve.vm.GuestMemory;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * jhyve's loader (the bhyveload / grub-bhyve role): reads a kernel, recognises a Linux bzImage
 * or an ELF image with a PVH note, and places it with its initrd and command line.
 */
public final class KernelLoader {
    private KernelLoader() {}

    /** What to load: a kernel file, an optional initrd file, a command line (may be empty). */
    public record Request(Path kernel, Path initrd, String cmdline) {
        public Request {
            if (kernel == null) throw new IllegalArgumentException("no kernel given");
            if (cmdline == null) cmdline = "";
        }
    }

    /** The kinds of image jhyve boots. */
    public enum Kind { BZIMAGE, PVH_ELF }

    /** Recognises an image or refuses it with a message naming the file. */
    public static Kind kind(byte[] image, String what) {
        if (BzImage.isBzImage(image)) return Kind.BZIMAGE;
        if (ElfImage.isElf(image)) return Kind.PVH_ELF;
        throw new BootException(what + ": not a kernel: neither a Linux bzImage nor an ELF file");
    }

    /**
     * Reads and checks the kernel (and initrd) without placing anything: for refusals before a VM
     * exists. Returns the kernel's bytes for {@link #load(GuestMemory, Request, byte[], List, long)},
     * so the image is read once and what was checked is what is loaded.
     */
    public static byte[] check(Request r) {
        byte[] image = read(r.kernel(), "kernel");
        String what = r.kernel().toString();
        switch (kind(image, what)) {
            case BZIMAGE -> BzImage.parse(image, what);
            case PVH_ELF -> {
                if (PvhBoot.pvhEntry(ElfImage.parse(image, what)) < 0) {
                    throw new BootException(what + ": ELF image has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY);"
                            + " boot a bzImage (vmlinuz) instead");
                }
            }
        }
        if (r.initrd() != null && !Files.isReadable(r.initrd())) read(r.initrd(), "initrd");
        return image;
    }

    /** Loads the kernel image {@link #check} returned (and reads the initrd). */
    public static BootState load(GuestMemory mem, Request r, byte[] image, List<MemoryMapEntry> map, long rsdp) {
        byte[] initrd = r.initrd() == null ? null : read(r.initrd(), "initrd");
        String what = r.kernel().toString();
        return switch (kind(image, what)) {
            case BZIMAGE -> LinuxBoot.load(mem, image, what, initrd, r.cmdline(), map, rsdp);
            case PVH_ELF -> PvhBoot.loadState(mem, image, what, initrd, r.cmdline(), map, rsdp);
        };
    }

    /** Refreshes the firmware facts (memory map, RSDP) a loaded image carries. */
    public static void updateFirmware(GuestMemory mem, BootEntry entry, List<MemoryMapEntry> map, long rsdp) {
        // instanceof, not a pattern switch: the switch's bootstrap costs milliseconds at every start.
        if (entry instanceof BootEntry.Linux64 l) LinuxBoot.updateFirmware(mem, l.zeroPage(), map, rsdp);
        else if (entry instanceof BootEntry.Pvh p) PvhBoot.updateFirmware(mem, p.startInfo(), map, rsdp);
        else throw new IllegalStateException("unknown boot entry " + entry);
    }

    static byte[] read(Path p, String what) {
        try {
            if (Files.size(p) > Integer.MAX_VALUE - 16) throw new BootException("cannot read " + what + " " + p + ": too large");
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw new BootException("cannot read " + what + " " + p + ": No such file or directory");
        } catch (AccessDeniedException e) {
            throw new BootException("cannot read " + what + " " + p + ": Permission denied");
        } catch (IOException e) {
            throw new BootException("cannot read " + what + " " + p + ": " + e.getMessage());
        }
    }
}
