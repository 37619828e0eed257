package dev.corridor.sidecar.session;

/** Why a packet was dropped instead of forwarded. */
public enum DropReason {
    /** An IP version the tunnel has no address for (e.g. IPv6 router solicitations on an IPv4-only tunnel). */
    UNKNOWN_FAMILY,
    /**
     * Larger than the tunnel carries: a packet from the pod beyond a CSTP frame (possible only where the device's MTU
     * was raised past the session's), or a DPD probe from the gateway beyond the MTU (its answer would copy it). A
     * packet too large for a DTLS record but not for CSTP is not dropped: it goes over CSTP (counted apart as
     * {@code oversizeOverCstp}).
     */
    OVERSIZE,
    /**
     * Too short or otherwise not an IP packet, or refused by the tun device; or a DTLS record that failed its
     * authentication or replay check.
     */
    MALFORMED,
    /** A packet type AnyConnect does not define. */
    UNKNOWN_TYPE,
    /**
     * The way to the gateway stayed full: the UDP socket's buffer (DTLS), or the TLS records already waiting for the
     * TCP socket (CSTP). Dropped as a congested link drops, rather than queued without bound.
     */
    QUEUE_FULL,
    /**
     * Queued for DTLS when its socket failed (the gateway's port unreachable, say): DTLS is taken down and the data
     * goes over CSTP from then on.
     */
    SEND_FAILED,
    /** From the gateway with a source address outside the networks the tunnel carries: spoofed, or misrouted. */
    SPOOFED_SOURCE,
    /**
     * From the gateway to one of the sidecar's own ports (HTTP, the DNS forwarder, the egress listeners), which the
     * corporate side must not reach.
     */
    TO_SIDECAR
}
