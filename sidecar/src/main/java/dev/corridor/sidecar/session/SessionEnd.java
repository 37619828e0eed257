package dev.corridor.sidecar.session;

/** Why an established session ended. */
public record SessionEnd(Cause cause, String detail) {

    public enum Cause {
        /** This client was asked to stop. */
        STOPPED,
        /** The gateway sent DISCONNECT or TERMINATE. */
        GATEWAY_DISCONNECTED,
        /** The connection to the gateway broke or was closed. */
        CONNECTION_LOST,
        /** Nothing came from the gateway for twice the DPD interval. */
        PEER_DEAD,
        /** The gateway sent something the protocol does not allow. */
        PROTOCOL_ERROR,
        /** The gateway's session timeout was near: this client logged out, to log in again before it struck. */
        RENEWAL,
        /** A fault of this client's own (a bug) on one of the session's threads: a new session starts afresh. */
        CLIENT_FAULT
    }

    @Override
    public String toString() {
        return cause.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + (detail.isEmpty() ? "" : ": " + detail);
    }
}
