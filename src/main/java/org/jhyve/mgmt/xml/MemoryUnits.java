package org.jhyve.mgmt.xml;

/** libvirt's scaled integers ({@code <memory unit='G'>4</memory>}), converted to KiB, rounding up. */
public final class MemoryUnits {
    private MemoryUnits() {}

    public static long toKiB(String value, String unit, String element) throws DomainXmlException {
        long n;
        try {
            n = Long.parseLong(value.trim());
            if (n < 0) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw DomainXmlException.xml("invalid value '" + value + "' in <" + element + "> (expected a number)");
        }
        long bytesPerUnit = scale(unit == null ? "KiB" : unit, element);
        var bytes = java.math.BigInteger.valueOf(n).multiply(java.math.BigInteger.valueOf(bytesPerUnit));
        var kib = bytes.add(java.math.BigInteger.valueOf(1023)).divide(java.math.BigInteger.valueOf(1024));
        if (kib.bitLength() > 62) throw DomainXmlException.xml("value " + value + " " + unit + " in <" + element + "> is too large");
        return kib.longValue();
    }

    private static long scale(String unit, String element) throws DomainXmlException {
        if (unit.equalsIgnoreCase("b") || unit.equalsIgnoreCase("bytes")) return 1;
        var lower = unit.toLowerCase();
        int power = "bkmgtpe".indexOf(lower.charAt(0));
        if (unit.isEmpty() || power < 1) throw DomainXmlException.xml("unknown unit '" + unit + "' in <" + element + ">");
        var rest = lower.substring(1);
        long base;
        if (rest.isEmpty() || rest.equals("ib")) base = 1024;
        else if (rest.equals("b")) base = 1000;
        else throw DomainXmlException.xml("unknown unit '" + unit + "' in <" + element + ">");
        long r = 1;
        for (int i = 0; i < power; i++) r = Math.multiplyExact(r, base);
        return r;
    }
}
