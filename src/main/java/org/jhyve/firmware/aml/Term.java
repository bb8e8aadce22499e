package org.jhyve.firmware.aml;

import java.util.Arrays;
import java.util.HexFormat;

/** One encoded AML term (an object, an expression or a named-object definition). */
public record Term(byte[] code) {
    public Term {
        code = code.clone();
    }

    @Override
    public byte[] code() { return code.clone(); }

    public int length() { return code.length; }

    @Override
    public boolean equals(Object o) { return o instanceof Term t && Arrays.equals(code, t.code); }

    @Override
    public int hashCode() { return Arrays.hashCode(code); }

    @Override
    public String toString() { return HexFormat.ofDelimiter(" ").formatHex(code); }
}
