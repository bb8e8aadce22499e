package org.jhyve.mgmt.argv;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.jhyve.mgmt.xml.DomainXmlException;
import org.jhyve.mgmt.xml.NetInterface;

/**
 * What the conversion needs from the host: program names, where firmware and NVRAM files live,
 * where grub device maps go, and the things a running daemon allocates (taps, VNC ports, UUIDs,
 * MAC addresses, storage volumes). {@link #dryRun()} gives what {@code domxml-to-native} uses:
 * every NIC is tap0 and autoport VNC counts up from 5900.
 *
 * @param kernelBoot  how a {@code <os><kernel>} is loaded: by jhyve itself ({@code -o jhyve.kernel=},
 *                    no loader line) or by a {@code jhyveload -k} loader line
 * @param ptyConsoles nmdm serial ports become jhyve's {@code autopty} (what the daemon runs on
 *                    Linux, where there are no nmdm devices) instead of the nmdm path
 */
public record ConversionOptions(String jhyveProgram, String loaderProgram, Path firmwareDir, Path nvramDir,
                                Path stateDir, Function<NetInterface, String> tapName, IntSupplier vncPort,
                                Supplier<String> uuids, Supplier<String> macs, VolumeResolver volumes,
                                KernelBoot kernelBoot, boolean ptyConsoles) {

    /** Who loads a direct-boot kernel. */
    public enum KernelBoot { JHYVE, JHYVELOAD }

    public ConversionOptions(String jhyveProgram, String loaderProgram, Path firmwareDir, Path nvramDir,
                             Path stateDir, Function<NetInterface, String> tapName, IntSupplier vncPort,
                             Supplier<String> uuids, Supplier<String> macs, VolumeResolver volumes) {
        this(jhyveProgram, loaderProgram, firmwareDir, nvramDir, stateDir, tapName, vncPort, uuids, macs, volumes,
                KernelBoot.JHYVE, false);
    }

    /** Turns a storage pool volume into a path jhyve can open. */
    @FunctionalInterface
    public interface VolumeResolver {
        String resolve(String pool, String volume) throws DomainXmlException;
    }

    public static final Path DEFAULT_FIRMWARE_DIR = Path.of("/usr/share/jhyve/firmware");
    public static final Path DEFAULT_NVRAM_DIR = Path.of("/var/lib/jhyve/nvram");
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/jhyve");

    public static ConversionOptions dryRun() {
        var port = new AtomicInteger(5900);
        return new ConversionOptions("jhyve", "jhyveload", DEFAULT_FIRMWARE_DIR, DEFAULT_NVRAM_DIR, DEFAULT_STATE_DIR,
                n -> "tap0", port::getAndIncrement, () -> UUID.randomUUID().toString(), ConversionOptions::randomMac,
                ConversionOptions::noPools);
    }

    /** libvirt's locally administered prefix 52:54:00 followed by three random bytes. */
    public static String randomMac() {
        var b = new byte[3];
        ThreadLocalRandom.current().nextBytes(b);
        return "52:54:00:" + HexFormat.ofDelimiter(":").formatHex(b);
    }

    private static String noPools(String pool, String volume) throws DomainXmlException {
        throw DomainXmlException.unsupported("cannot resolve volume '" + volume + "' in storage pool '" + pool
                + "': no storage pools are configured");
    }

    public ConversionOptions withDirs(Path firmware, Path nvram, Path state) {
        return new ConversionOptions(jhyveProgram, loaderProgram, firmware, nvram, state, tapName, vncPort, uuids, macs,
                volumes, kernelBoot, ptyConsoles);
    }

    public ConversionOptions withVolumes(VolumeResolver v) {
        return new ConversionOptions(jhyveProgram, loaderProgram, firmwareDir, nvramDir, stateDir, tapName, vncPort,
                uuids, macs, v);
    }

    public ConversionOptions withTaps(Function<NetInterface, String> taps) {
        return new ConversionOptions(jhyveProgram, loaderProgram, firmwareDir, nvramDir, stateDir, taps, vncPort, uuids,
                macs, volumes, kernelBoot, ptyConsoles);
    }

    public ConversionOptions withPrograms(String jhyve, String loader) {
        return new ConversionOptions(jhyve, loader, firmwareDir, nvramDir, stateDir, tapName, vncPort, uuids, macs,
                volumes, kernelBoot, ptyConsoles);
    }

    public ConversionOptions withVncPorts(IntSupplier ports) {
        return new ConversionOptions(jhyveProgram, loaderProgram, firmwareDir, nvramDir, stateDir, tapName, ports,
                uuids, macs, volumes, kernelBoot, ptyConsoles);
    }

    public ConversionOptions withKernelBoot(KernelBoot k) {
        return new ConversionOptions(jhyveProgram, loaderProgram, firmwareDir, nvramDir, stateDir, tapName, vncPort,
                uuids, macs, volumes, k, ptyConsoles);
    }

    public ConversionOptions withPtyConsoles(boolean pty) {
        return new ConversionOptions(jhyveProgram, loaderProgram, firmwareDir, nvramDir, stateDir, tapName, vncPort,
                uuids, macs, volumes, kernelBoot, pty);
    }
}
