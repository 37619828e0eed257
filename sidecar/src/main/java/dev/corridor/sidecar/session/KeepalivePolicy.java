package dev.corridor.sidecar.session;

import dev.corridor.sidecar.protocol.tunnel.SessionConfig;
import java.time.Duration;

/**
 * Dead-peer detection and keepalives, one policy for both channels on their own intervals, as wireguard-go's
 * {@code timers.go} serves every peer: the data path stamps the channel's {@link Liveness} as packets are sent and
 * received, and the timer asks {@link #due} what the channel needs now, in this order:
 * <ol>
 *   <li>nothing received for two DPD intervals: the channel is dead;</li>
 *   <li>on DTLS: a probe of ours unanswered for a whole DPD interval means the path
 *       towards the gateway is broken, even while packets still arrive from it (the gateway probes too);</li>
 *   <li>nothing received for a DPD interval: probe, at most every half interval;</li>
 *   <li>nothing sent for a keepalive interval: a keepalive. On CSTP this keeps the TCP side alive while DTLS carries
 *       the data: ocserv drops a session whose CSTP side is silent for three DPD intervals.</li>
 * </ol>
 * A zero interval turns its rules off.
 */
record KeepalivePolicy(TunnelObserver.Channel channel, Duration dpd, Duration keepalive) {

    /** What a channel needs now. */
    sealed interface Due {
        record Nothing() implements Due {}

        record Probe() implements Due {}

        record Keepalive() implements Due {}

        record Dead(String reason) implements Due {}
    }

    private static final Due NOTHING = new Due.Nothing();
    private static final Due PROBE = new Due.Probe();
    private static final Due KEEPALIVE = new Due.Keepalive();

    static KeepalivePolicy cstp(SessionConfig config) {
        return new KeepalivePolicy(TunnelObserver.Channel.CSTP, config.dpd(), config.keepalive());
    }

    static KeepalivePolicy dtls(DtlsSetup setup) {
        return new KeepalivePolicy(TunnelObserver.Channel.DTLS, setup.dpd(), setup.keepalive());
    }

    /** What the channel needs at {@code now} ({@link System#nanoTime()}); a probe or keepalive due is stamped as sent. */
    Due due(Liveness liveness, long now) {
        long dpdNanos = dpd.toNanos();
        long silence = now - liveness.lastReceived();
        if (dpdNanos > 0 && silence >= 2 * dpdNanos) {
            // CSTP's silence is the gateway's: the session ends. DTLS's is the path's: the data falls back to CSTP.
            String from = channel == TunnelObserver.Channel.CSTP ? "from the gateway" : "over DTLS";
            return new Due.Dead("nothing received " + from + " for "
                    + Duration.ofNanos(silence).toSeconds() + " s (DPD " + dpd.toSeconds() + " s)");
        }
        long probing = liveness.dpdOutstandingSince();
        if (channel == TunnelObserver.Channel.DTLS && dpdNanos > 0 && probing >= 0 && now - probing >= dpdNanos) {
            return new Due.Dead("no answer over " + channel + " to a DPD probe for "
                    + Duration.ofNanos(now - probing).toSeconds() + " s");
        }
        if (dpdNanos > 0 && silence >= dpdNanos && now - liveness.lastDpdSent() >= dpdNanos / 2) {
            liveness.dpdSent(now);
            return PROBE;
        }
        long keepaliveNanos = keepalive.toNanos();
        if (keepaliveNanos > 0 && now - liveness.lastSent() >= keepaliveNanos) {
            liveness.sent(now);
            return KEEPALIVE;
        }
        return NOTHING;
    }
}
