package dev.corridor.sidecar.egress;

import java.util.Locale;

/** How an egress connection ended: a bounded set, used as a metric label and in the flow log. */
public enum Outcome {
    /** Relayed until one side closed. */
    COMPLETED,
    /** The client's address is outside the allowed sources. */
    SOURCE_NOT_ALLOWED,
    /** The listeners carry as many connections as they may. */
    TOO_MANY_CONNECTIONS,
    /** The VPN session is down: nothing may go anywhere else instead. */
    TUNNEL_DOWN,
    /** The destination is not in a network routed through the tunnel. */
    NOT_ROUTED,
    /** The destination's name did not resolve through the tunnel's DNS. */
    NAME_NOT_RESOLVED,
    /** The destination refused the connection or could not be reached. */
    CONNECT_FAILED,
    /** The destination did not answer within the connect timeout. */
    CONNECT_TIMEOUT,
    /** The client's request was malformed, unsupported, or did not arrive in time. */
    BAD_REQUEST,
    /** No data moved either way for the idle timeout. */
    IDLE_TIMEOUT,
    /** A connection broke (reset, I/O error) while data was relayed. */
    RESET;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
