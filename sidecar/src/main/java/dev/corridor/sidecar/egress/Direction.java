package dev.corridor.sidecar.egress;

import java.util.Locale;

/** Which way bytes went on a client's connection. */
public enum Direction {
    FROM_CLIENT,
    TO_CLIENT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
