package dev.corridor.sidecar.session;

import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.PacketDevice;
import dev.corridor.sidecar.protocol.cstp.CstpFraming;
import dev.corridor.sidecar.transport.CstpLink;
import dev.corridor.sidecar.transport.dtls.DtlsChannel;
import dev.corridor.sidecar.transport.dtls.DtlsLink;
import java.io.IOException;
import java.util.Optional;

/**
 * The outbound pipeline: packets from the pod to the gateway, in the order they meet these steps (as wireguard-go's
 * {@code device/send.go} lists its own).
 * <ol>
 *   <li><b>Read</b> up to {@link #BATCH} packets from the device, each into the one buffer after {@link #HEADROOM}
 *       free bytes, so that framing and sealing happen in place.</li>
 *   <li><b>Refuse</b> what no channel carries, counted on CSTP: a packet beyond a CSTP frame ({@code oversize}; the
 *       read asks for one byte more to see it), an IP version the session has no address for ({@code unknown_family}).</li>
 *   <li><b>Choose the channel</b>: DTLS while it is usable and the packet fits one record; CSTP otherwise, counted as
 *       {@code oversizeOverCstp} when DTLS was up but the packet too large.</li>
 *   <li><b>Seal and queue</b>: a DTLS record into the datagram batch; a CSTP frame into one TLS record, which waits in the
 *       connection when the socket is full ({@code queue_full} when even that is full). A DTLS send error takes DTLS
 *       down and the packet goes over CSTP.</li>
 *   <li><b>Flush</b> the DTLS batch with one system call; what the socket still would not take is un-counted as sent
 *       and counted {@code queue_full}. Flush the CSTP records with one write; what the socket would not take waits
 *       in the connection, and the data thread waits for room before it reads more.</li>
 *   <li><b>Stamp</b> the channels that sent, for their {@link KeepalivePolicy} and the gateway's idle timeout.</li>
 * </ol>
 * Only the data thread runs it.
 */
final class Outbound {
    /** Packets taken from the device before the other sources get their turn, so neither direction starves the other. */
    static final int BATCH = 64;
    /** Free bytes before each packet read from the device: enough for a CSTP header or a DTLS record prefix. */
    static final int HEADROOM = Math.max(CstpFraming.HEADER_LENGTH, DtlsChannel.HEADROOM);

    private final PacketDevice device;
    private final CstpLink cstp;
    private final Optional<DtlsPath> dtls;
    private final AddressFamilies families;
    private final TrafficCounters counters;
    private final Liveness cstpLiveness;
    private final Liveness dtlsLiveness;
    private final byte[] buf = new byte[HEADROOM + CstpFraming.MAX_PAYLOAD + DtlsChannel.TAILROOM];

    Outbound(
            PacketDevice device,
            CstpLink cstp,
            Optional<DtlsPath> dtls,
            AddressFamilies families,
            TrafficCounters counters,
            Liveness cstpLiveness,
            Liveness dtlsLiveness) {
        this.device = device;
        this.cstp = cstp;
        this.dtls = dtls;
        this.families = families;
        this.counters = counters;
        this.cstpLiveness = cstpLiveness;
        this.dtlsLiveness = dtlsLiveness;
    }

    /** Sends up to {@link #BATCH} packets from the device over {@code channel} (null: DTLS is not usable) or CSTP; returns how many it read. */
    int send(DtlsLink channel) throws IOException, OsException {
        int packets = 0;
        int length;
        boolean sentOverCstp = false;
        boolean sentOverDtls = false;
        while (packets < BATCH && (length = device.read(buf, HEADROOM, CstpFraming.MAX_PAYLOAD + 1)) > 0) {
            packets++;
            if (length > CstpFraming.MAX_PAYLOAD) {
                counters.cstp.droppedSending(DropReason.OVERSIZE);
                continue;
            }
            if (!families.carries(buf[HEADROOM])) {
                counters.cstp.droppedSending(DropReason.UNKNOWN_FAMILY);
                continue;
            }
            if (channel != null) {
                if (length <= channel.maxPacket()) {
                    if (sendOverDtls(channel, length)) {
                        sentOverDtls = true;
                        continue;
                    }
                } else {
                    counters.oversizeOverCstp.add(1);
                }
            }
            if (!cstp.sendData(buf, HEADROOM, length)) {
                counters.cstp.droppedSending(DropReason.QUEUE_FULL);
                continue;
            }
            counters.cstp.packetsSent.add(1);
            counters.cstp.bytesSent.add(length);
            sentOverCstp = true;
        }
        if (!sentOverCstp && !sentOverDtls) {
            return packets; // a round that read nothing needs no clock
        }
        long now = System.nanoTime();
        if (sentOverCstp) {
            cstp.flush();
            cstpLiveness.sent(now);
            cstpLiveness.carriedData(now);
        }
        if (sentOverDtls) {
            flushDtls(channel);
            dtlsLiveness.sent(now);
            dtlsLiveness.carriedData(now);
        }
        return packets;
    }

    /** True when the packet was queued for DTLS; on a send error DTLS is taken down and the packet goes over CSTP. */
    private boolean sendOverDtls(DtlsLink channel, int length) {
        try {
            countDtlsDrops(channel, channel.sendData(buf, HEADROOM, length), DropReason.QUEUE_FULL);
            counters.dtls.packetsSent.add(1);
            counters.dtls.bytesSent.add(length);
            return true;
        } catch (IOException e) {
            sendFailed(channel, e);
            return false;
        }
    }

    /** Sends the batch of DTLS packets queued by this round. */
    private void flushDtls(DtlsLink channel) {
        try {
            countDtlsDrops(channel, channel.flushData(), DropReason.QUEUE_FULL);
        } catch (IOException e) {
            sendFailed(channel, e);
        }
    }

    /** The socket failed: what it had not sent is lost, and DTLS is taken down (the data goes over CSTP). */
    private void sendFailed(DtlsLink channel, IOException e) {
        countDtlsDrops(channel, channel.droppedPackets(), DropReason.SEND_FAILED);
        dtls.orElseThrow().fail("sending over DTLS: " + e.getMessage());
    }

    /** Packets counted as sent when queued, then dropped: the socket buffer stayed full, or the socket failed. */
    private void countDtlsDrops(DtlsLink channel, int dropped, DropReason reason) {
        if (dropped > 0) {
            counters.dtls.packetsSent.add(-dropped);
            counters.dtls.bytesSent.add(-channel.droppedBytes());
            counters.dtls.droppedSending(reason, dropped);
        }
    }
}
