package dev.corridor.sidecar.session;

import dev.corridor.sidecar.os.DataPoller;
import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.TunDevice;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.cstp.CstpFraming;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import dev.corridor.sidecar.protocol.tunnel.SessionConfig;
import dev.corridor.sidecar.transport.CstpChannel;
import dev.corridor.sidecar.transport.PacketReceiver;
import dev.corridor.sidecar.transport.dtls.DtlsChannel;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Moves packets between the tun device and the gateway while a session lasts, and keeps the session alive.
 * Data goes over DTLS while it is up and over CSTP otherwise (or when a packet does not fit a DTLS record);
 * data is accepted from both channels at all times, since the gateway picks its sending channel itself.
 *
 * <p>Threads. One platform thread, "data", moves every packet: it reads the tun device, the DTLS socket and the
 * CSTP connection, waiting on all three at once, as openconnect's loop does. A TCP acknowledgement written into the
 * tun releases segments that the same thread then finds queued, instead of waking another thread for them; in the
 * benchmark, a thread per source lost 10-25% of the throughput to those wakeups and to lock contention on the
 * shared socket. It is a platform thread because its wait blocks in native code, which would pin a virtual
 * thread's carrier. A virtual thread runs dead-peer detection and keepalives, handing its CSTP probes to the
 * data thread.
 */
final class DataPlane {
    private static final Logger LOG = System.getLogger(DataPlane.class.getName());
    /** How often the timer looks at the channels; far below any DPD interval a gateway announces. */
    static final Duration TICK = Duration.ofMillis(500);
    /** Packets taken from one source before the other gets its turn, so neither direction starves the other. */
    static final int BATCH = 64;
    /** Free bytes before each packet read from the tun: enough for a CSTP header or a DTLS record prefix. */
    static final int HEADROOM = Math.max(CstpFraming.HEADER_LENGTH, DtlsChannel.HEADROOM);
    /** How long a stop waits for the logout to leave; a gateway that is gone gets nothing. */
    static final Duration LOGOUT_TIMEOUT = Duration.ofSeconds(1);
    /** The payload of the DISCONNECT a client sends on logout: 0xB0 then a reason, as openconnect sends it. */
    private static final byte[] LOGOUT = logout("Client logout");

    private final TunDevice tun;
    private final CstpChannel cstp;
    private final SessionConfig config;
    private final ChannelCounters cstpCounters;
    private final ChannelCounters dtlsCounters;
    private final Counter oversizeOverCstp;
    private final Liveness cstpLiveness = new Liveness();
    private final Liveness dtlsLiveness = new Liveness();
    private final Optional<DtlsPath> dtls;
    private final TunnelObserver observer;
    private final InboundFilter inbound;
    private final CompletableFuture<SessionEnd> end = new CompletableFuture<>();

    /**
     * @param oversizeOverCstp counts packets that went over CSTP because they did not fit a DTLS record
     * @param inbound          what the gateway may send into the pod
     */
    DataPlane(TunDevice tun, CstpChannel cstp, SessionConfig config, Optional<DtlsSetup> dtlsSetup,
              ChannelCounters cstpCounters, ChannelCounters dtlsCounters, Counter oversizeOverCstp, TunnelObserver observer,
              InboundFilter inbound) {
        this.observer = observer;
        this.inbound = inbound;
        this.tun = tun;
        this.cstp = cstp;
        this.config = config;
        this.cstpCounters = cstpCounters;
        this.dtlsCounters = dtlsCounters;
        this.oversizeOverCstp = oversizeOverCstp;
        this.dtls = dtlsSetup.map(setup -> new DtlsPath(setup, dtlsLiveness, tun::wakeup, observer));
    }

    /** Runs until the session ends, and says why. */
    SessionEnd run() {
        Thread data = Thread.ofPlatform().name("data").daemon().start(this::dataLoop);
        Thread timer = Thread.ofVirtual().name("keepalive").start(this::keepAlive);
        dtls.ifPresent(DtlsPath::start);
        SessionEnd result = end.join();
        tun.wakeup();
        join(data);
        timer.interrupt();
        join(timer);
        dtls.ifPresent(DtlsPath::stop);
        if (result.cause() == SessionEnd.Cause.STOPPED || result.cause() == SessionEnd.Cause.RENEWAL) {
            try {
                cstp.sendFinal(PacketType.DISCONNECT, LOGOUT, LOGOUT_TIMEOUT);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "could not send the logout DISCONNECT: {0}", e.getMessage());
            }
        }
        cstp.close();
        return result;
    }

    /** Ends the session with a logout; safe from any thread. */
    void stop() {
        end.complete(new SessionEnd(SessionEnd.Cause.STOPPED, ""));
    }

    /** Ends the session with a logout, so that a new one can take its place; safe from any thread. */
    void renew(String why) {
        end.complete(new SessionEnd(SessionEnd.Cause.RENEWAL, why));
    }

    /** The DTLS path, when the session has one. */
    Optional<DtlsPath> dtls() {
        return dtls;
    }

    /** The gateway's idle timeout, when it announced one. */
    Optional<Duration> idleTimeout() {
        return config.idleTimeout();
    }

    /** When data last crossed the tunnel, in either direction, on either channel ({@link System#nanoTime()}). */
    long lastData() {
        return Math.max(cstpLiveness.lastData(), dtlsLiveness.lastData());
    }

    /** The last DPD round trip on CSTP, when one has been measured. */
    Optional<Duration> lastDpdRoundTrip() {
        long nanos = cstpLiveness.dpdRoundTripNanos();
        return nanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(nanos));
    }

    /**
     * The data thread: packets from the tun go to the gateway, packets from DTLS and CSTP go to the tun, in bounded
     * batches, until nothing is pending anywhere; then it waits on all of them.
     */
    private void dataLoop() {
        byte[] buf = new byte[HEADROOM + CstpFraming.MAX_PAYLOAD + DtlsChannel.TAILROOM];
        DataPoller poller = new DataPoller(tun, cstp.socket());
        Inbound fromDtls = new Inbound(dtlsCounters, dtlsLiveness, false);
        Inbound fromCstp = new Inbound(cstpCounters, cstpLiveness, true);
        try {
            while (!end.isDone()) {
                DtlsChannel channel = dtls.isPresent() ? dtls.get().usableChannel() : null;
                poller.watchDtls(channel == null ? null : channel.socket());
                boolean moved;
                do {
                    boolean cstpBacklog = cstp.hasPendingOutput() && !cstp.flush();
                    moved = false;
                    if (channel != null || !cstpBacklog) {
                        moved |= tunToGateway(buf, channel) > 0;
                    }
                    if (channel != null) {
                        moved |= dtlsToTun(channel, fromDtls) > 0;
                    }
                    moved |= cstp.receivePending(fromCstp, BATCH) > 0;
                } while (moved && !end.isDone());
                poller.await(cstp.hasPendingOutput());
            }
        } catch (ProtocolException e) {
            end.complete(new SessionEnd(SessionEnd.Cause.PROTOCOL_ERROR, e.getMessage()));
        } catch (EOFException e) {
            end.complete(new SessionEnd(SessionEnd.Cause.CONNECTION_LOST, e.getMessage())); // says whether a frame was cut short
        } catch (IOException | OsException e) {
            end.complete(new SessionEnd(SessionEnd.Cause.CONNECTION_LOST, e.getMessage()));
        }
    }

    /** Sends up to {@link #BATCH} packets from the tun; returns how many it read. */
    private int tunToGateway(byte[] buf, DtlsChannel channel) throws IOException, OsException {
        int packets = 0;
        int length;
        boolean sentOverCstp = false;
        boolean sentOverDtls = false;
        // One byte more than a frame carries, to tell a packet that fits from one the device cut short.
        while (packets < BATCH && (length = tun.read(buf, HEADROOM, CstpFraming.MAX_PAYLOAD + 1)) > 0) {
            packets++;
            if (length > CstpFraming.MAX_PAYLOAD) {
                cstpCounters.droppedSending(DropReason.OVERSIZE);
                continue;
            }
            if (!familyConfigured(buf[HEADROOM])) {
                cstpCounters.droppedSending(DropReason.UNKNOWN_FAMILY);
                continue;
            }
            if (channel != null && length <= channel.maxPacket() && sendOverDtls(channel, buf, length)) {
                sentOverDtls = true;
                continue;
            }
            if (channel != null && length > channel.maxPacket()) {
                oversizeOverCstp.add(1);
            }
            if (!cstp.sendData(buf, HEADROOM, length)) {
                cstpCounters.droppedSending(DropReason.QUEUE_FULL);
                continue;
            }
            cstpCounters.packetsSent.add(1);
            cstpCounters.bytesSent.add(length);
            sentOverCstp = true;
        }
        if (sentOverCstp) {
            cstpLiveness.sent();
            cstpLiveness.carriedData(System.nanoTime());
        }
        if (sentOverDtls) {
            flushDtls(channel);
            dtlsLiveness.sent();
            dtlsLiveness.carriedData(System.nanoTime());
        }
        return packets;
    }

    /** Delivers up to {@link #BATCH} datagrams from DTLS; a failing channel is taken down, the session stays. */
    private int dtlsToTun(DtlsChannel channel, Inbound receiver) {
        try {
            return channel.receivePending(receiver, BATCH);
        } catch (IOException e) {
            dtls.orElseThrow().fail(e.getMessage());
            return 0;
        }
    }

    /** True when the packet was queued for DTLS; on a send error DTLS is taken down and the packet goes over CSTP. */
    private boolean sendOverDtls(DtlsChannel channel, byte[] buf, int length) {
        try {
            countDtlsDrops(channel, channel.sendData(buf, HEADROOM, length));
            dtlsCounters.packetsSent.add(1);
            dtlsCounters.bytesSent.add(length);
            return true;
        } catch (IOException e) {
            dtls.orElseThrow().fail("sending over DTLS: " + e.getMessage());
            return false;
        }
    }

    /** Sends the batch of DTLS packets queued by this round. */
    private void flushDtls(DtlsChannel channel) {
        try {
            countDtlsDrops(channel, channel.flushData());
        } catch (IOException e) {
            dtls.orElseThrow().fail("sending over DTLS: " + e.getMessage());
        }
    }

    /** Packets counted as sent when queued, then dropped because the socket buffer stayed full. */
    private void countDtlsDrops(DtlsChannel channel, int dropped) {
        if (dropped > 0) {
            dtlsCounters.packetsSent.add(-dropped);
            dtlsCounters.bytesSent.add(-channel.droppedBytes());
            dtlsCounters.droppedSending(DropReason.QUEUE_FULL, dropped);
        }
    }

    /** What arrives on one channel; control packets are answered on the channel they came in on. */
    private final class Inbound implements PacketReceiver {
        private final ChannelCounters counters;
        private final Liveness liveness;
        private final boolean overCstp;

        Inbound(ChannelCounters counters, Liveness liveness, boolean overCstp) {
            this.counters = counters;
            this.liveness = liveness;
            this.overCstp = overCstp;
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
                    deliver(counters, buf, off, len);
                }
                case DPD_REQUEST -> {
                    // The answer copies the request (gateways probe the path MTU with padded ones), so no larger than
                    // the tunnel's MTU: a gateway must not make us copy and queue 64 KB per probe.
                    if (len > config.mtu()) {
                        counters.droppedReceiving(DropReason.OVERSIZE);
                        return;
                    }
                    reply(PacketType.DPD_RESPONSE, Arrays.copyOfRange(buf, off, off + len));
                }
                case DPD_RESPONSE -> {
                    long roundTrip = liveness.dpdAnswered();
                    if (roundTrip >= 0) {
                        observer.dpdAnswered(overCstp ? TunnelObserver.Channel.CSTP : TunnelObserver.Channel.DTLS, Duration.ofNanos(roundTrip));
                        LOG.log(Level.DEBUG, "{0} DPD answered in {1} µs", channelName(), String.valueOf(roundTrip / 1000));
                    }
                }
                case KEEPALIVE -> {
                    // Nobody answers a keepalive; receiving it already counted as life.
                }
                case DISCONNECT, TERMINATE -> end.complete(new SessionEnd(SessionEnd.Cause.GATEWAY_DISCONNECTED,
                        reason(type, buf, off, len)));
                case COMPRESSED -> throw new ProtocolException("the gateway sent a compressed packet, but no compression was negotiated");
            }
        }

        @Override
        public void onRejectedRecord() {
            counters.droppedReceiving(DropReason.MALFORMED);
        }

        private String channelName() {
            return overCstp ? "CSTP" : "DTLS";
        }

        private void reply(PacketType type, byte[] payload) throws IOException {
            if (overCstp) {
                if (!cstp.sendControl(type, payload)) {
                    counters.droppedSending(DropReason.QUEUE_FULL);
                }
            } else {
                DtlsChannel channel = dtls.orElseThrow().channel();
                if (channel != null) {
                    channel.sendControl(type, payload);
                }
            }
        }
    }

    private void deliver(ChannelCounters counters, byte[] buf, int off, int len) {
        if (len == 0 || !familyConfigured(buf[off])) {
            counters.droppedReceiving(len == 0 ? DropReason.MALFORMED : DropReason.UNKNOWN_FAMILY);
            return;
        }
        if (!inbound.sourceAllowed(buf, off, len)) {
            counters.droppedReceiving(DropReason.SPOOFED_SOURCE);
            return;
        }
        if (inbound.toSidecar(buf, off, len)) {
            counters.droppedReceiving(DropReason.TO_SIDECAR);
            return;
        }
        try {
            tun.write(buf, off, len);
            counters.packetsReceived.add(1);
            counters.bytesReceived.add(len);
        } catch (OsException e) {
            counters.droppedReceiving(DropReason.MALFORMED);
        }
    }

    /** IP version from the first nibble, against the addresses the gateway assigned. */
    private boolean familyConfigured(byte firstByte) {
        return switch ((firstByte >> 4) & 0xf) {
            case 4 -> config.ipv4().isPresent();
            case 6 -> config.ipv6().isPresent();
            default -> false;
        };
    }

    private void keepAlive() {
        try {
            while (!end.isDone()) {
                Thread.sleep(TICK);
                long now = System.nanoTime();
                keepCstpAlive(now);
                dtls.ifPresent(path -> keepDtlsAlive(path, now));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * CSTP: probe after a DPD interval of silence, give up after two. This also keeps the TCP side alive while
     * DTLS carries the data: ocserv drops a session whose CSTP side is silent for three DPD intervals.
     */
    private void keepCstpAlive(long now) {
        long dpd = config.dpd().toNanos();
        long silence = now - cstpLiveness.lastReceived();
        if (dpd > 0 && silence >= 2 * dpd) {
            observer.dpdTimedOut(TunnelObserver.Channel.CSTP);
            end.complete(new SessionEnd(SessionEnd.Cause.PEER_DEAD, "nothing received from the gateway for "
                    + Duration.ofNanos(silence).toSeconds() + " s (DPD " + config.dpd().toSeconds() + " s)"));
            return;
        }
        if (dpd > 0 && silence >= dpd && now - cstpLiveness.lastDpdSent() >= dpd / 2) {
            cstpLiveness.dpdSent(now);
            cstp.queueControl(PacketType.DPD_REQUEST, new byte[0]);
            tun.wakeup();
            LOG.log(Level.DEBUG, "CSTP DPD sent after {0} ms of silence", String.valueOf(silence / 1_000_000));
        }
        long keepalive = config.keepalive().toNanos();
        if (keepalive > 0 && now - cstpLiveness.lastSent() >= keepalive) {
            cstp.queueControl(PacketType.KEEPALIVE, new byte[0]);
            tun.wakeup();
            cstpLiveness.sent();
        }
    }

    /**
     * DTLS: the same schedule on its own intervals, and one more rule: a probe left unanswered for a whole DPD
     * interval means the path towards the gateway is broken, even while packets still arrive from it (the gateway
     * probes too). A dead DTLS path falls back to CSTP; the session stays.
     */
    private void keepDtlsAlive(DtlsPath path, long now) {
        DtlsChannel channel = path.channel();
        if (channel == null) {
            return;
        }
        Liveness liveness = dtlsLiveness;
        long dpd = path.setup().dpd().toNanos();
        long silence = now - liveness.lastReceived();
        try {
            if (dpd > 0 && silence >= 2 * dpd) {
                observer.dpdTimedOut(TunnelObserver.Channel.DTLS);
                path.fail("nothing received over DTLS for " + Duration.ofNanos(silence).toSeconds() + " s");
                return;
            }
            long probing = liveness.dpdOutstandingSince();
            if (dpd > 0 && probing >= 0 && now - probing >= dpd) {
                observer.dpdTimedOut(TunnelObserver.Channel.DTLS);
                path.fail("no answer over DTLS to a DPD probe for " + Duration.ofNanos(now - probing).toSeconds() + " s");
                return;
            }
            if (dpd > 0 && silence >= dpd && now - liveness.lastDpdSent() >= dpd / 2) {
                liveness.dpdSent(now);
                channel.sendControl(PacketType.DPD_REQUEST, new byte[0]);
                LOG.log(Level.DEBUG, "DTLS DPD sent after {0} ms of silence", String.valueOf(silence / 1_000_000));
            }
            long keepalive = path.setup().keepalive().toNanos();
            if (keepalive > 0 && now - liveness.lastSent() >= keepalive) {
                channel.sendControl(PacketType.KEEPALIVE, new byte[0]);
                liveness.sent();
            }
        } catch (IOException e) {
            path.fail("sending a DTLS keepalive: " + e.getMessage());
        }
    }

    private static String reason(PacketType type, byte[] buf, int off, int len) {
        // A DISCONNECT may carry 0xB0 and a reason text.
        int start = len > 0 && (buf[off] & 0xff) == 0xB0 ? off + 1 : off;
        String text = new String(buf, start, off + len - start, StandardCharsets.US_ASCII).replaceAll("[^\\x20-\\x7e]", "").strip();
        String what = type == PacketType.TERMINATE ? "the gateway terminated the session" : "the gateway disconnected the session";
        return text.isEmpty() ? what : what + " (" + text + ")";
    }

    private static byte[] logout(String reason) {
        byte[] text = reason.getBytes(StandardCharsets.US_ASCII);
        byte[] payload = new byte[text.length + 1];
        payload[0] = (byte) 0xB0;
        System.arraycopy(text, 0, payload, 1, text.length);
        return payload;
    }

    private static void join(Thread thread) {
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
