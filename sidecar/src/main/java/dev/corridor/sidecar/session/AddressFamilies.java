package dev.corridor.sidecar.session;

import dev.corridor.sidecar.protocol.tunnel.SessionConfig;

/** The IP versions a session carries: those the gateway assigned an address for. */
record AddressFamilies(boolean ipv4, boolean ipv6) {
    static AddressFamilies of(SessionConfig config) {
        return new AddressFamilies(config.ipv4().isPresent(), config.ipv6().isPresent());
    }

    /** Whether a packet starting with this byte (the version nibble) is of a carried version. */
    boolean carries(byte firstByte) {
        return switch ((firstByte >> 4) & 0xf) {
            case 4 -> ipv4;
            case 6 -> ipv6;
            default -> false;
        };
    }
}
