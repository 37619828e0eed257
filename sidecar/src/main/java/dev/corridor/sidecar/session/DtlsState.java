package dev.corridor.sidecar.session;

import java.util.Locale;

/** Where the DTLS channel stands, as {@code /status} and the metrics report it. */
public enum DtlsState {
    /** Carries the data. */
    UP,
    /** Being established; CSTP carries the data meanwhile. */
    CONNECTING,
    /** Failed or dead; CSTP carries the data and DTLS is tried again later. */
    DOWN,
    /** Turned off by the configuration ({@code --no-dtls}). */
    DISABLED,
    /** Not possible for this session (the gateway offered none, or nothing Corridor offered), or no session runs. */
    UNAVAILABLE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
