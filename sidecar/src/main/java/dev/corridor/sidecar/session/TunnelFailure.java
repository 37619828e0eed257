package dev.corridor.sidecar.session;

/** Why a tunnel could not be opened or kept; the kind decides the process exit code. */
public final class TunnelFailure extends Exception {

    public enum Kind {
        /** The configuration cannot work (missing credentials, a route the settings forbid, ...). */
        CONFIGURATION,
        /** The gateway refused the credentials or the session. */
        AUTHENTICATION,
        /** The gateway's certificate is neither trusted nor pinned. */
        UNTRUSTED_CERTIFICATE,
        /** No connection to the gateway. */
        UNREACHABLE,
        /** The tun device or routes could not be set up. */
        NETWORK_SETUP,
        /** The gateway broke the protocol or refused the tunnel. */
        PROTOCOL,
        /** An established session ended without being asked to. */
        SESSION_LOST
    }

    private final Kind kind;

    public TunnelFailure(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public TunnelFailure(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
