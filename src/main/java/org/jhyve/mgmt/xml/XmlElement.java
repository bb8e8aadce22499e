package org.jhyve.mgmt.xml;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.w3c.dom.Attr;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** A DOM element with the checks the parser repeats: allowed attributes and children, typed values. */
final class XmlElement {
    private static final String XMLNS = "http://www.w3.org/2000/xmlns/";

    private final Element e;

    XmlElement(Element e) { this.e = e; }

    String name() { return e.getLocalName() != null ? e.getLocalName() : e.getTagName(); }

    String namespace() { return e.getNamespaceURI(); }

    /** Refuses attributes outside the given names (namespace declarations are always fine). */
    XmlElement allow(String... names) throws DomainXmlException {
        var ok = Set.of(names);
        var attrs = e.getAttributes();
        for (int i = 0; i < attrs.getLength(); i++) {
            var a = (Attr) attrs.item(i);
            if (XMLNS.equals(a.getNamespaceURI())) continue;
            var n = a.getLocalName() != null ? a.getLocalName() : a.getName();
            if (!ok.contains(n)) {
                throw DomainXmlException.unsupported("unknown attribute '" + n + "' in <" + name() + ">");
            }
        }
        return this;
    }

    String attr(String n) { return e.hasAttribute(n) ? e.getAttribute(n) : null; }

    String requiredAttr(String n) throws DomainXmlException {
        var v = attr(n);
        if (v == null || v.isEmpty()) throw DomainXmlException.xml("missing attribute '" + n + "' in <" + name() + ">");
        return v;
    }

    /** The attribute, which must be one of the given values when present. */
    String enumAttr(String n, String... values) throws DomainXmlException {
        var v = attr(n);
        if (v == null) return null;
        for (var x : values) if (x.equals(v)) return v;
        throw DomainXmlException.unsupported("unsupported value '" + v + "' for attribute '" + n + "' in <" + name()
                + "> (expected one of " + String.join(", ", values) + ")");
    }

    Integer intAttr(String n) throws DomainXmlException {
        var v = attr(n);
        return v == null ? null : (int) parseNumber(v, n, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    Long longAttr(String n, long min, long max) throws DomainXmlException {
        var v = attr(n);
        return v == null ? null : parseNumber(v, n, min, max);
    }

    /** yes/no (and on/off) attributes; null when absent. */
    Boolean boolAttr(String n) throws DomainXmlException {
        var v = attr(n);
        if (v == null) return null;
        return switch (v) {
            case "yes", "on" -> true;
            case "no", "off" -> false;
            default -> throw DomainXmlException.xml("invalid value '" + v + "' for attribute '" + n + "' in <" + name()
                    + "> (expected yes or no)");
        };
    }

    private long parseNumber(String v, String n, long min, long max) throws DomainXmlException {
        try {
            long x = v.startsWith("0x") || v.startsWith("0X") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
            if (x < min || x > max) throw new NumberFormatException();
            return x;
        } catch (NumberFormatException ex) {
            throw DomainXmlException.xml("invalid value '" + v + "' for attribute '" + n + "' in <" + name() + ">");
        }
    }

    /** The trimmed text content. */
    String text() { return e.getTextContent().trim(); }

    List<XmlElement> children() {
        var out = new ArrayList<XmlElement>();
        for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element ce) out.add(new XmlElement(ce));
        }
        return out;
    }

    DomainXmlException unknownChild(XmlElement child) {
        return DomainXmlException.unsupported("unsupported element <" + child.qualifiedName() + "> in <" + name() + ">");
    }

    String qualifiedName() { return e.getTagName(); }
}
