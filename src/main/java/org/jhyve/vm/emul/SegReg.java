package org.jhyve.vm.emul;

/** Segment registers in the x86 encoding order (prefixes and ModRM.reg use it). */
public enum SegReg { ES, CS, SS, DS, FS, GS }
