package dev.corridor.operator.crd;

/**
 * The patterns and bounds the CRD's schema declares. Every string has a maxLength and every list a maxItems: the API
 * server estimates the cost of each CEL rule from them, and takes an unbounded string for 3 MB, which puts a rule
 * over its budget and makes it refuse the whole CRD. Element checks are patterns, which cost nothing.
 */
final class SchemaBounds {
    /** A CIDR's shape; the operator and the sidecar parse it with a real IP parser. */
    static final String CIDR = "^[0-9a-fA-F:.]+/[0-9]{1,3}$";
    /** The longest IP literal (IPv4-mapped IPv6, 45 characters) and "/128". */
    static final int CIDR_LENGTH = 49;

    static final String PIN = "^pin-sha256:[A-Za-z0-9+/]{43}=$";
    static final int PIN_LENGTH = 55;
    /** A DNS subdomain: Secret and ConfigMap names. */
    static final String OBJECT_NAME = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";

    static final int OBJECT_NAME_LENGTH = 253;
    /** A Secret or ConfigMap key. */
    static final String KEY = "^[-._a-zA-Z0-9]+$";

    static final int KEY_LENGTH = 253;
    static final int URL_LENGTH = 2048;
    static final int AUTH_GROUP_LENGTH = 256;
    /** An image reference: registry, repository, tag and digest together stay well under this. */
    static final int IMAGE_LENGTH = 512;
    /** Resource names (cpu, memory, vendor.example/device) and quantities. */
    static final int RESOURCE_KINDS = 16;

    static final int QUANTITY_LENGTH = 64;
    /** A label value; the tunnel's name is one on every pod that carries it. */
    static final int LABEL_VALUE_LENGTH = 63;

    private SchemaBounds() {}
}
