package dev.corridor.sidecar.session;

import java.util.EnumMap;
import java.util.Map;

/**
 * Traffic on one channel (CSTP or DTLS). Only the data thread writes them (each {@link Counter} has one writer);
 * status and metrics read them.
 */
public final class ChannelCounters {
    public final Counter bytesSent = new Counter();
    public final Counter packetsSent = new Counter();
    public final Counter bytesReceived = new Counter();
    public final Counter packetsReceived = new Counter();
    private final Map<DropReason, Counter> sendDrops = counters();
    private final Map<DropReason, Counter> receiveDrops = counters();

    /** A packet from the tun device that could not be sent. */
    public void droppedSending(DropReason reason) {
        droppedSending(reason, 1);
    }

    public void droppedSending(DropReason reason, int packets) {
        sendDrops.get(reason).add(packets);
    }

    /** A packet from the gateway that could not be delivered. */
    public void droppedReceiving(DropReason reason) {
        droppedReceiving(reason, 1);
    }

    /** Packets from the gateway that could not be delivered, counted at once. */
    public void droppedReceiving(DropReason reason, int packets) {
        receiveDrops.get(reason).add(packets);
    }

    public long dropped(DropReason reason) {
        return sendDrops.get(reason).get() + receiveDrops.get(reason).get();
    }

    private static Map<DropReason, Counter> counters() {
        Map<DropReason, Counter> map = new EnumMap<>(DropReason.class);
        for (DropReason reason : DropReason.values()) {
            map.put(reason, new Counter());
        }
        return map;
    }
}
