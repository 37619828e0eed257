package dev.corridor.sidecar.session;

import java.util.Locale;

/** The channel the tunnel's data goes over now. */
public enum Transport {
    /** The TLS connection: always there while a session runs, and the data's path whenever DTLS is not up. */
    CSTP,
    /** UDP: the data's path while it is up. */
    DTLS,
    /** No session: nothing is carried. */
    NONE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
