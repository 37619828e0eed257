package dev.corridor.sidecar.session;

import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.PacketBatch;
import dev.corridor.sidecar.os.PacketDevice;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import dev.corridor.sidecar.transport.PacketReceiver;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Inbound dispatch: what arrives on one channel, by packet type. Every packet counts as life for the channel's
 * {@link KeepalivePolicy}; then
 * <ul>
 *   <li>DATA is checked (an IP version the session carries, a source inside the tunnel's networks, not for the
 *       sidecar's own ports) and queued for the device, or dropped and counted by reason; {@link #flush} writes
 *       what a receive batch queued, together;</li>
 *   <li>a DPD request is answered on the channel it came in on, a DPD response times the round trip;</li>
 *   <li>DISCONNECT and TERMINATE end the session; a compressed packet is a protocol error (none was negotiated).</li>
 * </ul>
 * Only the data thread runs it; the bytes are valid only during the call.
 */
final class Inbound implements PacketReceiver {
    private static final Logger LOG = System.getLogger(Inbound.class.getName());
    private static final int BATCH_PACKETS = 2 * Outbound.BATCH;
    /** Room for a receive batch of full-sized DTLS records, and for the largest CSTP packet in an empty batch. */
    private static final int BATCH_BYTES = 128 * 1024;

    /** Sends a control packet back on the channel a packet came in on. */
    @FunctionalInterface
    interface Reply {
        void send(PacketType type, byte[] payload) throws IOException;
    }

    private final TunnelObserver.Channel channel;
    private final PacketDevice device;
    private final ChannelCounters counters;
    private final Liveness liveness;
    private final AddressFamilies families;
    private final InboundFilter filter;
    private final int mtu;
    private final Reply reply;
    private final Consumer<SessionEnd> end;
    private final TunnelObserver observer;
    /** Data packets on their way to the device, until {@link #flush}: a receive batch of full-sized DTLS records. */
    private final PacketBatch toDevice = new PacketBatch(BATCH_PACKETS, BATCH_BYTES);

    /**
     * @param mtu   the tunnel's MTU: the largest DPD request answered
     * @param reply answers on this channel
     * @param end   ends the session (the gateway disconnected)
     */
    Inbound(
            TunnelObserver.Channel channel,
            PacketDevice device,
            ChannelCounters counters,
            Liveness liveness,
            AddressFamilies families,
            InboundFilter filter,
            int mtu,
            Reply reply,
            Consumer<SessionEnd> end,
            TunnelObserver observer) {
        this.channel = channel;
        this.device = device;
        this.counters = counters;
        this.liveness = liveness;
        this.families = families;
        this.filter = filter;
        this.mtu = mtu;
        this.reply = reply;
        this.end = end;
        this.observer = observer;
    }

    @Override
    public void onPacket(PacketType type, int typeCode, byte[] buf, int off, int len) throws IOException {
        long now = System.nanoTime();
        liveness.received(now);
        if (type == null) {
            counters.droppedReceiving(DropReason.UNKNOWN_TYPE);
            LOG.log(Level.DEBUG, "ignored a packet of unknown type 0x{0}", Integer.toHexString(typeCode));
            return;
        }
        switch (type) {
            case DATA -> {
                liveness.carriedData(now);
                deliver(buf, off, len);
            }
            case DPD_REQUEST -> {
                // The answer copies the request (gateways probe the path MTU with padded ones), so no larger than
                // the tunnel's MTU: a gateway must not make us copy and queue 64 KB per probe.
                if (len > mtu) {
                    counters.droppedReceiving(DropReason.OVERSIZE);
                    return;
                }
                reply.send(PacketType.DPD_RESPONSE, Arrays.copyOfRange(buf, off, off + len));
            }
            case DPD_RESPONSE -> {
                long roundTrip = liveness.dpdAnswered(now);
                if (roundTrip >= 0) {
                    observer.dpdAnswered(channel, Duration.ofNanos(roundTrip));
                    LOG.log(Level.DEBUG, "{0} DPD answered in {1} µs", channel, String.valueOf(roundTrip / 1000));
                }
            }
            case KEEPALIVE -> {
                // Nobody answers a keepalive; receiving it already counted as life.
            }
            case DISCONNECT, TERMINATE ->
                end.accept(new SessionEnd(SessionEnd.Cause.GATEWAY_DISCONNECTED, reason(type, buf, off, len)));
            case COMPRESSED ->
                throw new ProtocolException("the gateway sent a compressed packet, but no compression was negotiated");
        }
    }

    @Override
    public void onRejectedRecord() {
        counters.droppedReceiving(DropReason.MALFORMED);
    }

    private void deliver(byte[] buf, int off, int len) {
        if (len == 0 || !families.carries(buf[off])) {
            counters.droppedReceiving(len == 0 ? DropReason.MALFORMED : DropReason.UNKNOWN_FAMILY);
            return;
        }
        if (!filter.sourceAllowed(buf, off, len)) {
            counters.droppedReceiving(DropReason.SPOOFED_SOURCE);
            return;
        }
        if (filter.toSidecar(buf, off, len)) {
            counters.droppedReceiving(DropReason.TO_SIDECAR);
            return;
        }
        if (!toDevice.add(buf, off, len)) {
            flush();
            toDevice.add(buf, off, len);
        }
    }

    /**
     * Writes the data packets delivered since the last call to the device, together, so that it can coalesce them;
     * the data thread calls it after each batch it received. A packet the kernel refused counts as malformed.
     */
    void flush() {
        if (toDevice.size() == 0) {
            return;
        }
        try {
            device.write(toDevice);
            int refused = 0;
            long bytes = 0;
            for (int i = 0; i < toDevice.size(); i++) {
                if (toDevice.refused(i)) {
                    refused++;
                } else {
                    bytes += toDevice.length(i);
                }
            }
            counters.droppedReceiving(DropReason.MALFORMED, refused);
            counters.packetsReceived.add(toDevice.size() - refused);
            counters.bytesReceived.add(bytes);
        } catch (OsException e) {
            counters.droppedReceiving(DropReason.MALFORMED, toDevice.size());
        } finally {
            toDevice.clear();
        }
    }

    private static String reason(PacketType type, byte[] buf, int off, int len) {
        // A DISCONNECT may carry 0xB0 and a reason text.
        int start = len > 0 && (buf[off] & 0xff) == 0xB0 ? off + 1 : off;
        String text = new String(buf, start, off + len - start, StandardCharsets.US_ASCII)
                .replaceAll("[^\\x20-\\x7e]", "")
                .strip();
        String what = type == PacketType.TERMINATE
                ? "the gateway terminated the session"
                : "the gateway disconnected the session";
        return text.isEmpty() ? what : what + " (" + text + ")";
    }
}
