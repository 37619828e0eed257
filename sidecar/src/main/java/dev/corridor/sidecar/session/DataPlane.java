package dev.corridor.sidecar.session;

import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.TunDevice;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.cstp.CstpFraming;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import dev.corridor.sidecar.protocol.tunnel.SessionConfig;
import dev.corridor.sidecar.transport.CstpChannel;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * Moves packets between the tun device and the gateway while a session lasts, and keeps the session alive.
 * Two platform threads carry the data, one per direction (their reads block in native code, which would pin a
 * virtual thread's carrier); a virtual thread runs the dead-peer detection and keepalive timer.
 */
final class DataPlane {
    private static final Logger LOG = System.getLogger(DataPlane.class.getName());
    /** How often the timer looks at the channel; far below any DPD interval a gateway announces. */
    static final Duration TICK = Duration.ofMillis(500);
    /** The payload of the DISCONNECT a client sends on logout: 0xB0 then a reason, as openconnect sends it. */
    private static final byte[] LOGOUT = logout("Client logout");

    private final TunDevice tun;
    private final CstpChannel cstp;
    private final SessionConfig config;
    private final ChannelCounters counters;
    private final Liveness liveness = new Liveness();
    private final CompletableFuture<SessionEnd> end = new CompletableFuture<>();

    DataPlane(TunDevice tun, CstpChannel cstp, SessionConfig config, ChannelCounters counters) {
        this.tun = tun;
        this.cstp = cstp;
        this.config = config;
        this.counters = counters;
    }

    /** Runs until the session ends, and says why. */
    SessionEnd run() {
        Thread fromTun = Thread.ofPlatform().name("tun-reader").daemon().start(this::tunToGateway);
        Thread fromGateway = Thread.ofPlatform().name("cstp-reader").daemon().start(this::gatewayToTun);
        Thread timer = Thread.ofVirtual().name("keepalive").start(this::keepAlive);
        SessionEnd result = end.join();
        if (result.cause() == SessionEnd.Cause.STOPPED) {
            try {
                cstp.sendControl(PacketType.DISCONNECT, LOGOUT);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "could not send the logout DISCONNECT: {0}", e.getMessage());
            }
        }
        try {
            cstp.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the CSTP channel: {0}", e.getMessage());
        }
        tun.wakeup();
        timer.interrupt();
        join(fromTun);
        join(fromGateway);
        join(timer);
        return result;
    }

    /** Ends the session with a logout; safe from any thread. */
    void stop() {
        end.complete(new SessionEnd(SessionEnd.Cause.STOPPED, ""));
    }

    /** The last DPD round trip, when one has been measured. */
    Duration lastDpdRoundTrip() {
        long nanos = liveness.dpdRoundTripNanos();
        return nanos < 0 ? null : Duration.ofNanos(nanos);
    }

    private void tunToGateway() {
        int headroom = CstpFraming.HEADER_LENGTH;
        byte[] buf = new byte[headroom + CstpFraming.MAX_PAYLOAD];
        try {
            while (!end.isDone()) {
                if (!tun.awaitReadable(-1)) {
                    continue;
                }
                int length;
                while ((length = tun.read(buf, headroom, buf.length - headroom)) > 0) {
                    if (!familyConfigured(buf[headroom])) {
                        counters.droppedSending(DropReason.UNKNOWN_FAMILY);
                        continue;
                    }
                    cstp.sendData(buf, headroom, length);
                    counters.packetsSent.add(1);
                    counters.bytesSent.add(length);
                }
                liveness.sent();
            }
        } catch (IOException | OsException e) {
            end.complete(new SessionEnd(SessionEnd.Cause.CONNECTION_LOST, "sending to the gateway: " + e.getMessage()));
        }
    }

    private void gatewayToTun() {
        try {
            cstp.receive(this::onPacket);
            end.complete(new SessionEnd(SessionEnd.Cause.CONNECTION_LOST, "the gateway closed the connection"));
        } catch (ProtocolException e) {
            end.complete(new SessionEnd(SessionEnd.Cause.PROTOCOL_ERROR, e.getMessage()));
        } catch (IOException e) {
            end.complete(new SessionEnd(SessionEnd.Cause.CONNECTION_LOST, e.getMessage()));
        }
    }

    private void onPacket(PacketType type, int typeCode, byte[] buf, int off, int len) throws IOException {
        liveness.received();
        if (type == null) {
            counters.droppedReceiving(DropReason.UNKNOWN_TYPE);
            LOG.log(Level.DEBUG, "ignored a packet of unknown type 0x{0}", Integer.toHexString(typeCode));
            return;
        }
        switch (type) {
            case DATA -> deliver(buf, off, len);
            case DPD_REQUEST -> cstp.sendControl(PacketType.DPD_RESPONSE, Arrays.copyOfRange(buf, off, off + len));
            case DPD_RESPONSE -> {
                liveness.dpdAnswered();
                LOG.log(Level.DEBUG, "DPD answered in {0} µs", String.valueOf(liveness.dpdRoundTripNanos() / 1000));
            }
            case KEEPALIVE -> {
                // Nobody answers a keepalive; receiving it already counted as life.
            }
            case DISCONNECT, TERMINATE -> end.complete(new SessionEnd(SessionEnd.Cause.GATEWAY_DISCONNECTED,
                    reason(type, buf, off, len)));
            case COMPRESSED -> throw new ProtocolException("the gateway sent a compressed packet, but no compression was negotiated");
        }
    }

    private void deliver(byte[] buf, int off, int len) {
        if (len == 0 || !familyConfigured(buf[off])) {
            counters.droppedReceiving(len == 0 ? DropReason.MALFORMED : DropReason.UNKNOWN_FAMILY);
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
        long dpd = config.dpd().toNanos();
        long keepalive = config.keepalive().toNanos();
        try {
            while (!end.isDone()) {
                Thread.sleep(TICK);
                long now = System.nanoTime();
                long silence = now - liveness.lastReceived();
                if (dpd > 0 && silence >= 2 * dpd) {
                    end.complete(new SessionEnd(SessionEnd.Cause.PEER_DEAD, "nothing received from the gateway for "
                            + Duration.ofNanos(silence).toSeconds() + " s (DPD " + config.dpd().toSeconds() + " s)"));
                    return;
                }
                if (dpd > 0 && silence >= dpd && now - liveness.lastDpdSent() >= dpd / 2) {
                    liveness.dpdSent(now);
                    cstp.sendControl(PacketType.DPD_REQUEST, new byte[0]);
                    LOG.log(Level.DEBUG, "DPD sent after {0} ms of silence", String.valueOf(silence / 1_000_000));
                }
                if (keepalive > 0 && now - liveness.lastSent() >= keepalive) {
                    cstp.sendControl(PacketType.KEEPALIVE, new byte[0]);
                    liveness.sent();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            end.complete(new SessionEnd(SessionEnd.Cause.CONNECTION_LOST, "sending a keepalive: " + e.getMessage()));
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
