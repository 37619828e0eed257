package dev.corridor.sidecar.session;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.protocol.tunnel.DtlsCipher;
import dev.corridor.sidecar.transport.TlsConnector;
import dev.corridor.sidecar.transport.dtls.DtlsHandshake;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of the tunnel for {@code /status}, {@code /readyz} and the metrics, made of typed parts. The factories
 * below are the only places a snapshot is assembled: {@link #idle}, {@link #connected}, {@link #recovering}, and the
 * {@code with} methods for what changes while a session runs.
 *
 * @param server    the gateway, as configured
 * @param session   the open session's facts, while one is open
 * @param routes    the routes installed through and around the tunnel (they stay while a lost session is re-established)
 * @param live      what changes while a session runs: the transport, DTLS, the idle deadline, the DPD round trip
 * @param login     what the last login showed and presented
 * @param traffic   counters since the sidecar started
 * @param recovery  while the tunnel is re-establishing a lost session: why, and how far it got
 * @param lastError why the tunnel is not up, when it is not
 */
public record TunnelStatus(
        TunnelState state,
        String server,
        Optional<Session> session,
        Routes routes,
        Live live,
        Login login,
        Traffic traffic,
        Optional<Recovery> recovery,
        Optional<String> lastError) {

    /** No session and no routes: before the first session, after the last, or after a failure. */
    static TunnelStatus idle(TunnelState state, String server, Login login, Traffic traffic, Optional<String> error) {
        return new TunnelStatus(
                state, server, Optional.empty(), Routes.NONE, Live.NONE, login, traffic, Optional.empty(), error);
    }

    /** A session just opened: data goes over CSTP until DTLS comes up. */
    static TunnelStatus connected(
            String server, Session session, Routes routes, Dtls dtls, Login login, Traffic traffic) {
        return new TunnelStatus(
                TunnelState.CONNECTED,
                server,
                Optional.of(session),
                routes,
                new Live(dtls, Optional.empty(), Optional.empty()),
                login,
                traffic,
                Optional.empty(),
                Optional.empty());
    }

    /** A lost session being re-established: the routes stay installed (on the device, drained), the session is gone. */
    static TunnelStatus recovering(
            String server, Routes routes, Login login, Traffic traffic, Recovery recovery, Optional<String> lastError) {
        return new TunnelStatus(
                TunnelState.RECONNECTING,
                server,
                Optional.empty(),
                routes,
                Live.NONE,
                login,
                traffic,
                Optional.of(recovery),
                lastError);
    }

    /** This snapshot with what changes while a session runs. */
    TunnelStatus withLive(Live newLive, Traffic newTraffic) {
        return new TunnelStatus(state, server, session, routes, newLive, login, newTraffic, recovery, lastError);
    }

    /** This snapshot with the counters as of now. */
    TunnelStatus withTraffic(Traffic newTraffic) {
        return withLive(live, newTraffic);
    }

    /** This snapshot in another state, with an error to report. */
    TunnelStatus withError(TunnelState newState, String error) {
        return new TunnelStatus(newState, server, session, routes, live, login, traffic, recovery, Optional.of(error));
    }

    /** Ready means the tunnel carries traffic right now: session up and routes installed. */
    public boolean ready() {
        return state == TunnelState.CONNECTED;
    }

    /** The channel data goes over now: DTLS while it is up, else CSTP; {@link Transport#NONE} without a session. */
    public Transport transport() {
        if (session.isEmpty()) {
            return Transport.NONE;
        }
        return live.dtls().state() == DtlsState.UP ? Transport.DTLS : Transport.CSTP;
    }

    /**
     * The facts of an open session, fixed while it lasts.
     *
     * @param mtu     the tun device's MTU
     * @param expires when the gateway will end the session, where it announced a limit
     */
    public record Session(
            Optional<AssignedAddress> ipv4,
            Optional<AssignedAddress> ipv6,
            List<InetAddress> dnsServers,
            List<String> searchDomains,
            int mtu,
            Instant connectedSince,
            Optional<Instant> expires,
            Tls tls) {
        public Session {
            dnsServers = List.copyOf(dnsServers);
            searchDomains = List.copyOf(searchDomains);
        }
    }

    /** The TLS channel (CSTP) as negotiated. */
    public record Tls(String protocol, String cipherSuite) {
        /**
         * Whether the TLS channel has forward secrecy: TLS 1.3 always has it; TLS 1.2 has it unless the key exchange is
         * RSA ({@code TLS_RSA_*}, which older ASAs offer alone), whose recorded traffic the server's key opens later.
         */
        public boolean forwardSecrecy() {
            return TlsConnector.forwardSecrecy(protocol, cipherSuite);
        }
    }

    /**
     * The routes as installed.
     *
     * @param through networks routed through the tunnel
     * @param around  networks routed around the tunnel
     */
    public record Routes(List<IpNetwork> through, List<IpNetwork> around) {
        static final Routes NONE = new Routes(List.of(), List.of());

        public Routes {
            through = List.copyOf(through);
            around = List.copyOf(around);
        }
    }

    /**
     * What changes while a session runs.
     *
     * @param idleExpires  when the gateway will end the session for lack of data, where it announced an idle timeout
     * @param dpdRoundTrip the last DPD round trip on CSTP, once measured
     */
    public record Live(Dtls dtls, Optional<Instant> idleExpires, Optional<Duration> dpdRoundTrip) {
        static final Live NONE = new Live(Dtls.NONE, Optional.empty(), Optional.empty());
    }

    /**
     * What the last login showed and presented.
     *
     * @param bannerBeforeLogin  the gateway's banner on its login form (a pre-login notice)
     * @param banner             the gateway's banner once logged in ({@code X-CSTP-Banner}, or the success reply's)
     * @param certificateExpires when the client certificate the login presented stops being valid
     */
    public record Login(
            Optional<String> bannerBeforeLogin, Optional<String> banner, Optional<Instant> certificateExpires) {
        public static final Login NONE = new Login(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * A lost session being re-established.
     *
     * @param reason   why the session ended
     * @param attempts attempts to re-establish it so far, the one under way included
     * @param since    when it was lost
     */
    public record Recovery(String reason, int attempts, Instant since) {}

    /**
     * The DTLS channel.
     *
     * @param mode     PSK or legacy, once known
     * @param cipher   the negotiated suite while up
     * @param protocol the DTLS version while up, as the channel negotiated it
     * @param detail   why DTLS is not up, when it is not
     */
    public record Dtls(
            DtlsState state,
            Optional<DtlsHandshake.Mode> mode,
            Optional<DtlsCipher> cipher,
            Optional<DtlsCipher.Protocol> protocol,
            String detail) {
        static final Dtls NONE =
                new Dtls(DtlsState.UNAVAILABLE, Optional.empty(), Optional.empty(), Optional.empty(), "no session");

        /** DTLS up, with what was negotiated. */
        static Dtls up(DtlsHandshake.Mode mode, DtlsCipher cipher, DtlsCipher.Protocol protocol) {
            return new Dtls(DtlsState.UP, Optional.of(mode), Optional.of(cipher), Optional.of(protocol), "");
        }

        /** DTLS not up, and why. */
        static Dtls notUp(DtlsState state, Optional<DtlsHandshake.Mode> mode, String detail) {
            return new Dtls(state, mode, Optional.empty(), Optional.empty(), detail);
        }
    }

    /** Traffic on one channel; {@code dropped} has every reason, counting zero where nothing was dropped. */
    public record ChannelTraffic(
            long bytesSent, long bytesReceived, long packetsSent, long packetsReceived, Map<DropReason, Long> dropped) {
        public ChannelTraffic {
            dropped = Collections.unmodifiableMap(new EnumMap<>(dropped));
        }

        static ChannelTraffic of(ChannelCounters counters) {
            Map<DropReason, Long> dropped = new EnumMap<>(DropReason.class);
            for (DropReason reason : DropReason.values()) {
                dropped.put(reason, counters.dropped(reason));
            }
            return new ChannelTraffic(
                    counters.bytesSent.get(),
                    counters.bytesReceived.get(),
                    counters.packetsSent.get(),
                    counters.packetsReceived.get(),
                    dropped);
        }

        public long packetsDropped() {
            return dropped.values().stream().mapToLong(Long::longValue).sum();
        }

        ChannelTraffic plus(ChannelTraffic other) {
            Map<DropReason, Long> sum = new EnumMap<>(dropped);
            other.dropped.forEach((reason, count) -> sum.merge(reason, count, Long::sum));
            return new ChannelTraffic(
                    bytesSent + other.bytesSent,
                    bytesReceived + other.bytesReceived,
                    packetsSent + other.packetsSent,
                    packetsReceived + other.packetsReceived,
                    sum);
        }
    }

    /**
     * Traffic per channel.
     *
     * @param oversizeOverCstp packets sent over CSTP because they did not fit a DTLS record
     * @param droppedWhileDown packets the pod sent into the tunnel while no session ran: dropped, never sent around it
     */
    public record Traffic(ChannelTraffic cstp, ChannelTraffic dtls, long oversizeOverCstp, long droppedWhileDown) {
        public ChannelTraffic total() {
            return cstp.plus(dtls);
        }
    }
}
