package dev.corridor.sidecar.protocol.auth;

/** A login that cannot succeed; the message says why, and never contains a secret. */
public class AuthenticationException extends Exception {
    private final boolean rejectedByGateway;

    private AuthenticationException(String message, boolean rejectedByGateway) {
        super(message);
        this.rejectedByGateway = rejectedByGateway;
    }

    /** The gateway refused the credentials it was given. Retrying them only adds to the gateway's ban score. */
    public static AuthenticationException rejected(String message) {
        return new AuthenticationException(message, true);
    }

    /** The gateway asks for something the configuration does not provide. */
    public static AuthenticationException unanswerable(String message) {
        return new AuthenticationException(message, false);
    }

    public boolean rejectedByGateway() {
        return rejectedByGateway;
    }
}
