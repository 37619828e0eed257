package dev.corridor.sidecar.session;

/**
 * The tunnel's counters since the sidecar started, across sessions: per channel, the packets that went over CSTP
 * because they did not fit a DTLS record, and the packets dropped while no session ran.
 */
final class TrafficCounters {
    final ChannelCounters cstp = new ChannelCounters();
    final ChannelCounters dtls = new ChannelCounters();
    final Counter oversizeOverCstp = new Counter();
    final Counter droppedWhileDown = new Counter();

    TunnelStatus.Traffic snapshot() {
        return new TunnelStatus.Traffic(
                TunnelStatus.ChannelTraffic.of(cstp),
                TunnelStatus.ChannelTraffic.of(dtls),
                oversizeOverCstp.get(),
                droppedWhileDown.get());
    }
}
