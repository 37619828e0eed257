package dev.corridor.sidecar.session;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * When one channel last sent and received: the events the data path reports as packets cross (sent, received,
 * carried data, a probe sent or answered), as wireguard-go's {@code timers.go} hooks them, for the channel's
 * {@link KeepalivePolicy}. The per-packet stamps are opaque stores by the data thread; the timer reads them.
 */
final class Liveness {
    private static final VarHandle LAST_RECEIVED;
    private static final VarHandle LAST_SENT;
    private static final VarHandle LAST_DATA;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            LAST_RECEIVED = lookup.findVarHandle(Liveness.class, "lastReceived", long.class);
            LAST_SENT = lookup.findVarHandle(Liveness.class, "lastSent", long.class);
            LAST_DATA = lookup.findVarHandle(Liveness.class, "lastData", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through LAST_RECEIVED
    private long lastReceived = System.nanoTime();

    @SuppressWarnings("unused") // accessed through LAST_SENT
    private long lastSent = System.nanoTime();

    @SuppressWarnings("unused") // accessed through LAST_DATA
    private long lastData = System.nanoTime();

    private volatile long lastDpdSent = System.nanoTime();
    private volatile long dpdOutstandingSince = -1;
    private volatile long dpdRoundTripNanos = -1;

    /** Starts afresh, as for a channel just established. */
    void reset() {
        long now = System.nanoTime();
        LAST_RECEIVED.setOpaque(this, now);
        LAST_SENT.setOpaque(this, now);
        lastDpdSent = now;
        dpdOutstandingSince = -1;
    }

    void received(long now) {
        LAST_RECEIVED.setOpaque(this, now);
    }

    void sent(long now) {
        LAST_SENT.setOpaque(this, now);
    }

    /** Data (not control) crossed the channel: what a gateway's idle timeout counts. */
    void carriedData(long now) {
        LAST_DATA.setOpaque(this, now);
    }

    long lastData() {
        return (long) LAST_DATA.getOpaque(this);
    }

    long lastReceived() {
        return (long) LAST_RECEIVED.getOpaque(this);
    }

    long lastSent() {
        return (long) LAST_SENT.getOpaque(this);
    }

    void dpdSent(long now) {
        lastDpdSent = now;
        dpdOutstandingSince = now;
        sent(now);
    }

    long lastDpdSent() {
        return lastDpdSent;
    }

    /** Returns the round trip in nanoseconds, or -1 when no probe of ours was outstanding (an unasked answer). */
    long dpdAnswered(long now) {
        long since = dpdOutstandingSince;
        if (since < 0) {
            return -1;
        }
        long roundTrip = now - since;
        dpdRoundTripNanos = roundTrip;
        dpdOutstandingSince = -1;
        return roundTrip;
    }

    /** Since when a DPD request has waited for its answer, or -1 when none is outstanding. */
    long dpdOutstandingSince() {
        return dpdOutstandingSince;
    }

    long dpdRoundTripNanos() {
        return dpdRoundTripNanos;
    }
}
