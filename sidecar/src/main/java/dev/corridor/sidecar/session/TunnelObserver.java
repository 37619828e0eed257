package dev.corridor.sidecar.session;

import java.time.Duration;

/**
 * What happens in a tunnel's life that is worth counting or timing, told as it happens; the metrics implement it.
 * Called on the session's threads (the data thread among them): implementations must be quick and never block.
 */
public interface TunnelObserver {
    /** Ignores everything. */
    TunnelObserver NONE = new TunnelObserver() {};

    /** The steps of establishing a session. */
    enum Phase {
        TLS,
        AUTHENTICATION,
        CONNECT,
        DTLS
    }

    enum Channel {
        CSTP,
        DTLS
    }

    /** How a login ended: accepted, refused by the gateway (wrong credentials), or failed otherwise. */
    enum LoginOutcome {
        SUCCESS,
        REJECTED,
        FAILED
    }

    /** A step of establishing the session completed. */
    default void phaseCompleted(Phase phase, Duration took) {}

    default void login(LoginOutcome outcome) {}

    /** The gateway answered a dead-peer probe. */
    default void dpdAnswered(Channel channel, Duration roundTrip) {}

    /** A channel was given up because the gateway stopped answering. */
    default void dpdTimedOut(Channel channel) {}

    /** An established session ended without being asked to; the tunnel sets out to re-establish it. */
    default void sessionLost(SessionEnd.Cause cause) {}
}
