package dev.corridor.sidecar.protocol.auth;

/** Where a login's second-factor codes come from: a soft token (TOTP or HOTP) the configuration names. */
public interface OneTimeCodes {
    /**
     * A code that has never been sent before.
     *
     * @throws AuthenticationException when no code can be made (a HOTP counter that cannot be saved, say), saying why
     */
    String next() throws AuthenticationException;
}
