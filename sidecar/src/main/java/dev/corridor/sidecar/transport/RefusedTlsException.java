package dev.corridor.sidecar.transport;

import java.io.IOException;

/**
 * The gateway's TLS is one Corridor refuses: obsolete crypto only (TLS 1.0 or 1.1, 3DES, RC4...), or, with
 * {@code --pfs}, RSA key exchange only. Trying again cannot help; the message names what the gateway chose when
 * offered everything.
 */
public final class RefusedTlsException extends IOException {
    /** Why: the gateway's crypto is obsolete, or the configuration refuses what it offers. */
    public enum Reason {
        OBSOLETE,
        NO_FORWARD_SECRECY
    }

    private final Reason reason;

    RefusedTlsException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
