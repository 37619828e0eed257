package dev.corridor.sidecar.session;

/** Why a packet was dropped instead of forwarded. */
public enum DropReason {
    /** An IP version the tunnel has no address for (e.g. IPv6 router solicitations on an IPv4-only tunnel). */
    UNKNOWN_FAMILY,
    /** Larger than the tunnel can carry. */
    OVERSIZE,
    /** Too short or otherwise not an IP packet, or refused by the tun device. */
    MALFORMED,
    /** A packet type AnyConnect does not define. */
    UNKNOWN_TYPE,
    /** The UDP socket's buffer stayed full: dropped as a congested link drops, rather than queued without bound. */
    QUEUE_FULL,
    /** From the gateway with a source address outside the networks the tunnel carries: spoofed, or misrouted. */
    SPOOFED_SOURCE,
    /** From the gateway to the sidecar's own HTTP port, which the corporate side must not reach. */
    TO_SIDECAR
}
