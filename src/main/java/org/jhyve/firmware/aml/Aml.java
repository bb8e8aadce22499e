package org.jhyve.firmware.aml;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A small AML encoder (ACPI 6.x, section 20): the named objects, data objects and the few
 * statements a static DSDT needs. Each factory returns the finished encoding, so nesting builds
 * the tree bottom-up and every PkgLength is known when written.
 */
public final class Aml {
    private static final int ZERO_OP = 0x00;
    private static final int ONE_OP = 0x01;
    private static final int ONES_OP = 0xFF;
    private static final int NAME_OP = 0x08;
    private static final int BYTE_PREFIX = 0x0A;
    private static final int WORD_PREFIX = 0x0B;
    private static final int DWORD_PREFIX = 0x0C;
    private static final int STRING_PREFIX = 0x0D;
    private static final int QWORD_PREFIX = 0x0E;
    private static final int SCOPE_OP = 0x10;
    private static final int BUFFER_OP = 0x11;
    private static final int PACKAGE_OP = 0x12;
    private static final int VAR_PACKAGE_OP = 0x13;
    private static final int METHOD_OP = 0x14;
    private static final int DUAL_NAME_PREFIX = 0x2E;
    private static final int MULTI_NAME_PREFIX = 0x2F;
    private static final int EXT_OP_PREFIX = 0x5B;
    private static final int DEVICE_OP = 0x82;
    private static final int ROOT_CHAR = '\\';
    private static final int PARENT_PREFIX = '^';
    private static final int LOCAL0_OP = 0x60;
    private static final int ARG0_OP = 0x68;
    private static final int STORE_OP = 0x70;
    private static final int RETURN_OP = 0xA4;
    /** A PkgLength encodes at most 28 bits. */
    private static final int MAX_PKG_LENGTH = (1 << 28) - 1;

    private Aml() {}

    /** DefScope: Scope (name) { body }. */
    public static Term scope(String name, List<Term> body) {
        return new Term(op(new int[] {SCOPE_OP}, true, nameString(name), concat(body)));
    }

    public static Term scope(String name, Term... body) { return scope(name, List.of(body)); }

    /** DefDevice: Device (name) { body }. */
    public static Term device(String name, List<Term> body) {
        return new Term(op(new int[] {EXT_OP_PREFIX, DEVICE_OP}, true, nameString(name), concat(body)));
    }

    public static Term device(String name, Term... body) { return device(name, List.of(body)); }

    /** DefName: Name (name, value). */
    public static Term name(String name, Term value) {
        return new Term(op(new int[] {NAME_OP}, false, nameString(name), value.code()));
    }

    /** DefMethod with {@code args} arguments (0..7), sync level 0. */
    public static Term method(String name, int args, boolean serialized, List<Term> body) {
        if (args < 0 || args > 7) throw new IllegalArgumentException("a method takes 0..7 arguments, not " + args);
        byte[] flags = {(byte) (args | (serialized ? 0x08 : 0))};
        return new Term(op(new int[] {METHOD_OP}, true, concat(nameString(name), flags), concat(body)));
    }

    public static Term method(String name, int args, boolean serialized, Term... body) {
        return method(name, args, serialized, List.of(body));
    }

    /** The shortest integer encoding: Zero, One, Ones, or a Byte/Word/DWord/QWord constant. */
    public static Term integer(long v) {
        if (v == 0) return new Term(new byte[] {ZERO_OP});
        if (v == 1) return new Term(new byte[] {ONE_OP});
        if (v == -1) return new Term(new byte[] {(byte) ONES_OP});
        if ((v & ~0xFFL) == 0) return prefixed(BYTE_PREFIX, v, 1);
        if ((v & ~0xFFFFL) == 0) return prefixed(WORD_PREFIX, v, 2);
        if ((v & ~0xFFFFFFFFL) == 0) return prefixed(DWORD_PREFIX, v, 4);
        return prefixed(QWORD_PREFIX, v, 8);
    }

    /** A String constant: ASCII characters 0x01..0x7F. */
    public static Term string(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c > 0x7F) throw new IllegalArgumentException("AML string '" + s + "' is not 7-bit ASCII without NUL");
        }
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return new Term(concat(new byte[] {STRING_PREFIX}, b, new byte[] {0}));
    }

    /** EisaId ("PNP0A03"): the compressed 32-bit ID ASL's EisaId macro produces. */
    public static Term eisaId(String id) { return integer(eisaIdValue(id)); }

    /** [A-Z]{3}[0-9A-F]{4}, checked by hand (no regex on the start-up path). */
    private static boolean isEisaId(String id) {
        if (id.length() != 7) return false;
        for (int i = 0; i < 7; i++) {
            char c = id.charAt(i);
            boolean ok = i < 3 ? c >= 'A' && c <= 'Z' : (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
            if (!ok) return false;
        }
        return true;
    }

    public static long eisaIdValue(String id) {
        if (!isEisaId(id)) throw new IllegalArgumentException("bad EISA ID '" + id + "'");
        int c1 = id.charAt(0) - 0x40;
        int c2 = id.charAt(1) - 0x40;
        int c3 = id.charAt(2) - 0x40;
        int b0 = (c1 << 2) | (c2 >> 3);
        int b1 = ((c2 << 5) & 0xE0) | c3;
        int b2 = Integer.parseInt(id.substring(3, 5), 16);
        int b3 = Integer.parseInt(id.substring(5, 7), 16);
        return (b0 | b1 << 8 | b2 << 16 | (long) b3 << 24);
    }

    /** DefPackage (or DefVarPackage beyond 255 elements) of data objects. */
    public static Term pkg(List<Term> elements) {
        byte[] body = concat(elements);
        if (elements.size() <= 255) {
            return new Term(op(new int[] {PACKAGE_OP}, true, new byte[] {(byte) elements.size()}, body));
        }
        return new Term(op(new int[] {VAR_PACKAGE_OP}, true, integer(elements.size()).code(), body));
    }

    public static Term pkg(Term... elements) { return pkg(List.of(elements)); }

    /** DefBuffer holding exactly {@code data}. */
    public static Term buffer(byte[] data) {
        return new Term(op(new int[] {BUFFER_OP}, true, integer(data.length).code(), data));
    }

    /** Store (source, target). */
    public static Term store(Term source, Term target) {
        return new Term(concat(new byte[] {STORE_OP}, source.code(), target.code()));
    }

    /** Return (value). */
    public static Term ret(Term value) { return new Term(concat(new byte[] {(byte) RETURN_OP}, value.code())); }

    public static Term arg(int n) {
        if (n < 0 || n > 6) throw new IllegalArgumentException("Arg" + n + " does not exist");
        return new Term(new byte[] {(byte) (ARG0_OP + n)});
    }

    public static Term local(int n) {
        if (n < 0 || n > 7) throw new IllegalArgumentException("Local" + n + " does not exist");
        return new Term(new byte[] {(byte) (LOCAL0_OP + n)});
    }

    /** A reference to a named object, e.g. a Store target or a package element. */
    public static Term reference(String name) { return new Term(nameString(name)); }

    /**
     * Encodes an ASL name path: an optional root ({@code \}) or parent ({@code ^}) prefix, then
     * dot-separated segments of up to four characters, padded with underscores.
     */
    public static byte[] nameString(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        if (path.startsWith("\\")) {
            out.write(ROOT_CHAR);
            i = 1;
        } else {
            while (i < path.length() && path.charAt(i) == '^') {
                out.write(PARENT_PREFIX);
                i++;
            }
        }
        String rest = path.substring(i);
        if (rest.isEmpty()) {
            out.write(0); // NullName
            return out.toByteArray();
        }
        String[] segs = rest.split("\\.", -1);
        if (segs.length == 2) out.write(DUAL_NAME_PREFIX);
        else if (segs.length > 2) {
            if (segs.length > 255) throw new IllegalArgumentException("name path '" + path + "' has too many segments");
            out.write(MULTI_NAME_PREFIX);
            out.write(segs.length);
        }
        for (String s : segs) out.writeBytes(nameSeg(s, path));
        return out.toByteArray();
    }

    /**
     * PkgLength for a package whose contents (after the PkgLength) take {@code contentLength}
     * bytes; the encoded value counts its own bytes too.
     */
    public static byte[] pkgLength(int contentLength) {
        for (int n = 1; n <= 4; n++) {
            int total = contentLength + n;
            int limit = n == 1 ? 0x3F : (1 << (4 + 8 * (n - 1))) - 1;
            if (total <= limit) {
                byte[] b = new byte[n];
                if (n == 1) {
                    b[0] = (byte) total;
                } else {
                    b[0] = (byte) (((n - 1) << 6) | (total & 0x0F));
                    for (int k = 1; k < n; k++) b[k] = (byte) (total >>> (4 + 8 * (k - 1)));
                }
                return b;
            }
        }
        throw new IllegalArgumentException("AML package of " + contentLength + " bytes exceeds " + MAX_PKG_LENGTH);
    }

    public static byte[] concat(List<Term> terms) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Term t : terms) out.writeBytes(t.code());
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** [A-Z_][A-Z0-9_]*, checked by hand: a regex per name costs start-up time for every table. */
    private static boolean isNameSeg(String seg) {
        for (int i = 0; i < seg.length(); i++) {
            char c = seg.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9'))) return false;
        }
        return true;
    }

    private static byte[] nameSeg(String seg, String path) {
        if (seg.isEmpty() || seg.length() > 4 || !isNameSeg(seg)) {
            throw new IllegalArgumentException("bad name segment '" + seg + "' in '" + path + "'");
        }
        byte[] b = new byte[] {'_', '_', '_', '_'};
        for (int i = 0; i < seg.length(); i++) b[i] = (byte) seg.charAt(i);
        return b;
    }

    private static Term prefixed(int prefix, long v, int width) {
        byte[] b = new byte[1 + width];
        b[0] = (byte) prefix;
        for (int i = 0; i < width; i++) b[1 + i] = (byte) (v >>> (8 * i));
        return new Term(b);
    }

    /** opcode [PkgLength] head body, where the PkgLength (when present) covers head and body. */
    private static byte[] op(int[] opcode, boolean withLength, byte[] head, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int o : opcode) out.write(o);
        if (withLength) out.writeBytes(pkgLength(head.length + body.length));
        out.writeBytes(head);
        out.writeBytes(body);
        return out.toByteArray();
    }
}
