package dev.corridor.sidecar.session;

import java.util.Locale;

/** Where the tunnel stands, as {@code /status} reports it. */
public enum TunnelState {
    CONNECTING,
    CONNECTED,
    RECONNECTING,
    DISCONNECTED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
