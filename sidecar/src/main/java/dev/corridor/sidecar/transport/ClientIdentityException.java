package dev.corridor.sidecar.transport;

/** A client certificate or key that cannot be used, and why: the message names the file, never a password. */
public final class ClientIdentityException extends Exception {
    public ClientIdentityException(String message) {
        super(message);
    }

    public ClientIdentityException(String message, Throwable cause) {
        super(message, cause);
    }
}
