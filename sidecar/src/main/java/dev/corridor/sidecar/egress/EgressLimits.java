package dev.corridor.sidecar.egress;

import java.time.Duration;

/**
 * The bounds of the egress listeners. The write-buffer marks bound what one slow side can make the relay hold:
 * past {@code highWaterMark} bytes queued towards a side, reading from the other side stops until the queue drains
 * below {@code lowWaterMark}. Per connection at most about two high marks plus two socket reads stay in memory.
 *
 * @param maxConnections  client connections at once, over all listeners; more are closed at once
 * @param connectTimeout  how long a destination may take to accept the connection
 * @param idleTimeout     a connection with no data either way for this long is closed
 * @param requestTimeout  how long a SOCKS or HTTP proxy client may take to send its request
 */
public record EgressLimits(
        int maxConnections,
        Duration connectTimeout,
        Duration idleTimeout,
        Duration requestTimeout,
        int lowWaterMark,
        int highWaterMark) {
    public static final EgressLimits DEFAULT = new EgressLimits(
            256, Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofSeconds(10), 32 * 1024, 64 * 1024);

    public EgressLimits {
        if (maxConnections < 1 || lowWaterMark < 1 || highWaterMark < lowWaterMark) {
            throw new IllegalArgumentException("egress limits out of range");
        }
    }
}
