package dev.corridor.sidecar.token;

/** How a soft token's codes are counted: by time (TOTP, RFC 6238) or by event (HOTP, RFC 4226). */
public enum TokenMode {
    TOTP,
    HOTP
}
