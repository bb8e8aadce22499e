package org.jhyve.vm.emul;

/** The emulator cannot carry out this instruction (the VM then ends with status 4). */
public final class EmulationException extends RuntimeException {
    public EmulationException(String message) { super(message); }
}
