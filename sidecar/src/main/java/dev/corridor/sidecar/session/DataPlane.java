package dev.corridor.sidecar.session;

import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.PacketDevice;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import dev.corridor.sidecar.protocol.tunnel.SessionConfig;
import dev.corridor.sidecar.transport.CstpLink;
import dev.corridor.sidecar.transport.dtls.DtlsLink;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The pump: moves packets between the device and the gateway while a session lasts, and keeps the session alive.
 * Its parts, in the order packets meet them: the {@link Outbound} pipeline (device to gateway: over DTLS while it is
 * up and the packet fits a record, over CSTP otherwise), {@link Inbound} dispatch (gateway to device, from both
 * channels at all times, since the gateway picks its sending channel itself), the {@link DtlsPath} (DTLS in the
 * background, fallback to CSTP and retry) and one {@link KeepalivePolicy} per channel. Logging out is the session's
 * ({@link SessionOpener.OpenSession#logout}), once the pump has stopped.
 *
 * <p>Threads. One platform thread, "data", moves every packet: it reads the device, the DTLS socket and the
 * CSTP connection, waiting on all three at once ({@link DataWait}), as openconnect's loop does. A TCP acknowledgement
 * written into the tun releases segments that the same thread then finds queued, instead of waking another thread for
 * them; in the benchmark, a thread per source lost 10-25% of the throughput to those wakeups and to lock contention on
 * the shared socket. It is a platform thread because its wait blocks in native code, which would pin a virtual
 * thread's carrier. A virtual thread, "keepalive", applies the policies, handing its CSTP probes to the data thread.
 */
final class DataPlane {
    private static final Logger LOG = System.getLogger(DataPlane.class.getName());
    /** How often the timer looks at the channels; far below any DPD interval a gateway announces. */
    static final Duration TICK = Duration.ofMillis(500);

    private final PacketDevice device;
    private final DataWait wait;
    private final CstpLink cstp;
    private final SessionConfig config;
    private final Liveness cstpLiveness = new Liveness();
    private final Liveness dtlsLiveness = new Liveness();
    private final KeepalivePolicy cstpPolicy;
    private final Optional<DtlsPath> dtls;
    private final Optional<KeepalivePolicy> dtlsPolicy;
    private final TunnelObserver observer;
    private final Outbound outbound;
    private final Inbound fromCstp;
    private final Inbound fromDtls;
    private final TrafficCounters counters;
    private final CompletableFuture<SessionEnd> end = new CompletableFuture<>();

    /** @param inbound what the gateway may send into the pod */
    DataPlane(
            PacketDevice device,
            DataWait wait,
            CstpLink cstp,
            SessionConfig config,
            Optional<DtlsSetup> dtlsSetup,
            DtlsConnector connector,
            TrafficCounters counters,
            TunnelObserver observer,
            InboundFilter inbound) {
        this.device = device;
        this.wait = wait;
        this.cstp = cstp;
        this.config = config;
        this.observer = observer;
        this.counters = counters;
        this.cstpPolicy = KeepalivePolicy.cstp(config);
        this.dtls = dtlsSetup.map(setup -> new DtlsPath(setup, dtlsLiveness, device::wakeup, observer, connector));
        this.dtlsPolicy = dtlsSetup.map(KeepalivePolicy::dtls);
        AddressFamilies families = AddressFamilies.of(config);
        this.outbound = new Outbound(device, cstp, dtls, families, counters, cstpLiveness, dtlsLiveness);
        this.fromCstp = new Inbound(
                TunnelObserver.Channel.CSTP,
                device,
                counters.cstp,
                cstpLiveness,
                families,
                inbound,
                config.mtu(),
                this::replyOverCstp,
                end::complete,
                observer);
        this.fromDtls = new Inbound(
                TunnelObserver.Channel.DTLS,
                device,
                counters.dtls,
                dtlsLiveness,
                families,
                inbound,
                config.mtu(),
                this::replyOverDtls,
                end::complete,
                observer);
    }

    /** Runs until the session ends, and says why. */
    SessionEnd run() {
        Thread data = Thread.ofPlatform().name("data").daemon().start(this::dataLoop);
        Thread timer = Thread.ofVirtual().name("keepalive").start(this::keepAlive);
        dtls.ifPresent(DtlsPath::start);
        SessionEnd result = end.join();
        device.wakeup();
        join(data);
        timer.interrupt();
        join(timer);
        dtls.ifPresent(DtlsPath::stop);
        return result;
    }

    /** Ends the session, to log out; safe from any thread. */
    void stop() {
        end.complete(new SessionEnd(SessionEnd.Cause.STOPPED, ""));
    }

    /** Ends the session, to log out so that a new one can take its place; safe from any thread. */
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
     * The data thread: packets from the device go to the gateway, packets from DTLS and CSTP go to the device, in
     * bounded batches, until nothing is pending anywhere; then it waits on all of them. The device and DTLS are read
     * in every round: a packet written into the device releases others there, and DTLS carries the data. CSTP is read
     * only once the wait says it has something, and then until it is drained: while DTLS carries the data, a read of
     * the idle connection in every round was a failed system call (and an unwrap) per batch.
     */
    private void dataLoop() {
        boolean cstpReadable = true; // frames may have come in with the CONNECT response
        try {
            while (!end.isDone()) {
                DtlsLink channel = dtls.isPresent() ? dtls.get().usableChannel() : null;
                boolean moved;
                do {
                    boolean cstpBacklog = cstp.hasPendingOutput() && !cstp.flush();
                    moved = false;
                    if (!DataWait.deviceHeld(channel, cstpBacklog)) {
                        moved |= outbound.send(channel) > 0;
                    }
                    if (channel != null) {
                        moved |= dtlsToDevice(channel) > 0;
                    }
                    if (cstpReadable) {
                        int received = cstpToDevice();
                        moved |= received > 0;
                        cstpReadable = received == Outbound.BATCH; // fewer: it stopped at a read that found nothing
                    }
                } while (moved && !end.isDone());
                cstpReadable |= wait.await(channel, cstp.hasPendingOutput());
            }
        } catch (ProtocolException e) {
            end.complete(new SessionEnd(SessionEnd.Cause.PROTOCOL_ERROR, e.getMessage()));
        } catch (EOFException e) {
            end.complete(new SessionEnd(
                    SessionEnd.Cause.CONNECTION_LOST, e.getMessage())); // says whether a frame was cut short
        } catch (IOException | OsException e) {
            end.complete(new SessionEnd(SessionEnd.Cause.CONNECTION_LOST, e.getMessage()));
        } catch (RuntimeException e) {
            fault("data", e);
        }
    }

    /** Ends the session over a bug on one of its threads, which would otherwise stop without anyone waiting on it. */
    private void fault(String thread, RuntimeException e) {
        LOG.log(Level.ERROR, "the " + thread + " thread failed; ending the session", e);
        end.complete(new SessionEnd(SessionEnd.Cause.CLIENT_FAULT, thread + " thread: " + e));
    }

    /** Delivers up to a batch of datagrams from DTLS; a failing channel is taken down, the session stays. */
    private int dtlsToDevice(DtlsLink channel) {
        try {
            return channel.receivePending(fromDtls, Outbound.BATCH);
        } catch (IOException e) {
            dtls.orElseThrow().fail(e.getMessage());
            return 0;
        } finally {
            fromDtls.flush();
        }
    }

    /** Delivers up to a batch of frames from CSTP; a failing connection ends the session (the caller's catch). */
    private int cstpToDevice() throws IOException {
        try {
            return cstp.receivePending(fromCstp, Outbound.BATCH);
        } finally {
            fromCstp.flush();
        }
    }

    private void replyOverCstp(PacketType type, byte[] payload) throws IOException {
        if (!cstp.sendControl(type, payload)) {
            counters.cstp.droppedSending(DropReason.QUEUE_FULL);
        }
    }

    private void replyOverDtls(PacketType type, byte[] payload) throws IOException {
        DtlsLink channel = dtls.orElseThrow().channel();
        if (channel != null) {
            channel.sendControl(type, payload);
        }
    }

    /** The timer: applies each channel's keepalive policy every {@link #TICK}. */
    private void keepAlive() {
        Control overCstp = new Control() {
            @Override
            public void send(PacketType type) {
                cstp.queueControl(type, new byte[0]); // the data thread owns the connection
                device.wakeup();
            }

            @Override
            public void dead(String reason) {
                end.complete(new SessionEnd(SessionEnd.Cause.PEER_DEAD, reason));
            }
        };
        try {
            while (!end.isDone()) {
                Thread.sleep(TICK);
                long now = System.nanoTime();
                tend(cstpPolicy, cstpLiveness, overCstp, now);
                DtlsLink channel = dtls.isPresent() ? dtls.get().channel() : null;
                if (channel != null) {
                    DtlsPath path = dtls.get();
                    tend(
                            dtlsPolicy.orElseThrow(),
                            dtlsLiveness,
                            new Control() {
                                @Override
                                public void send(PacketType type) {
                                    try {
                                        channel.sendControl(type, new byte[0]);
                                    } catch (IOException e) {
                                        path.fail("sending a DTLS " + type + ": " + e.getMessage());
                                    }
                                }

                                @Override
                                public void dead(String reason) {
                                    path.fail(reason); // back to CSTP; the session stays
                                }
                            },
                            now);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            fault("keepalive", e);
        }
    }

    /** Where the timer sends a channel's probes and keepalives, and what a dead channel means. */
    private interface Control {
        void send(PacketType type);

        void dead(String reason);
    }

    /** Does what the channel's policy says is due now. */
    private void tend(KeepalivePolicy policy, Liveness liveness, Control control, long now) {
        switch (policy.due(liveness, now)) {
            case KeepalivePolicy.Due.Dead dead -> {
                observer.dpdTimedOut(policy.channel());
                LOG.log(Level.DEBUG, "{0} dead: {1}", policy.channel(), dead.reason());
                control.dead(dead.reason());
            }
            case KeepalivePolicy.Due.Probe probe -> control.send(PacketType.DPD_REQUEST);
            case KeepalivePolicy.Due.Keepalive keepalive -> control.send(PacketType.KEEPALIVE);
            case KeepalivePolicy.Due.Nothing nothing -> {}
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
