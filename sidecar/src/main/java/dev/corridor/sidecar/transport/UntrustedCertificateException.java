package dev.corridor.sidecar.transport;

import java.io.IOException;

/** The gateway's certificate is neither trusted nor pinned. Nothing was sent to the gateway. */
public final class UntrustedCertificateException extends IOException {
    private final PublicKeyPin pin;

    UntrustedCertificateException(String message, PublicKeyPin pin, Throwable cause) {
        super(message, cause);
        this.pin = pin;
    }

    /** The pin of the refused certificate, for a user who decides to trust it. */
    public PublicKeyPin pin() {
        return pin;
    }
}
