package org.jhyve.mgmt.xml;

/**
 * A domain definition that cannot be read or cannot be turned into a jhyve command line. The
 * message starts the way libvirt's do ("XML error: ...", "unsupported configuration: ..."), so
 * users who know virsh recognise the kind of failure at once.
 */
public class DomainXmlException extends Exception {
    /** libvirt's error classes that the management layer reports. */
    public enum Kind {
        XML_ERROR("XML error"),
        CONFIG_UNSUPPORTED("unsupported configuration"),
        INTERNAL_ERROR("internal error"),
        OPERATION_FAILED("operation failed"),
        INVALID_ARG("invalid argument");

        public final String prefix;

        Kind(String prefix) { this.prefix = prefix; }
    }

    private final Kind kind;
    private final String detail;

    public DomainXmlException(Kind kind, String detail) {
        super(kind.prefix + ": " + detail);
        this.kind = kind;
        this.detail = detail;
    }

    public DomainXmlException(Kind kind, String detail, Throwable cause) {
        super(kind.prefix + ": " + detail, cause);
        this.kind = kind;
        this.detail = detail;
    }

    public Kind kind() { return kind; }

    /** The message without the kind prefix. */
    public String detail() { return detail; }

    public static DomainXmlException xml(String detail) { return new DomainXmlException(Kind.XML_ERROR, detail); }

    public static DomainXmlException unsupported(String detail) {
        return new DomainXmlException(Kind.CONFIG_UNSUPPORTED, detail);
    }

    public static DomainXmlException failed(String detail) {
        return new DomainXmlException(Kind.OPERATION_FAILED, detail);
    }
}
