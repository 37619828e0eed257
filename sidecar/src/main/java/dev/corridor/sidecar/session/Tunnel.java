package dev.corridor.sidecar.session;

import dev.corridor.sidecar.config.ClientConfig;
import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.PodNetwork;
import dev.corridor.sidecar.os.TunnelInterface;
import dev.corridor.sidecar.os.TunnelRoutes;
import dev.corridor.sidecar.protocol.tunnel.SessionConfig;
import dev.corridor.sidecar.transport.TlsConnector;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The tunnel's life: clear leftovers of an earlier run, open the session, set up the tun device and routes,
 * carry traffic until told to stop or the session ends, and leave nothing behind.
 */
public final class Tunnel {
    private static final Logger LOG = System.getLogger(Tunnel.class.getName());
    /** openconnect's base MTU when the path MTU is unknown. */
    static final int FALLBACK_BASE_MTU = 1406;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration IO_TIMEOUT = Duration.ofSeconds(30);

    private final ClientConfig config;
    private final SessionOpener opener;
    private final ChannelCounters cstpCounters = new ChannelCounters();
    private final ChannelCounters dtlsCounters = new ChannelCounters();
    private final Counter oversizeOverCstp = new Counter();
    private volatile TunnelStatus status;
    private volatile DataPlane dataPlane;
    private volatile boolean stopRequested;

    public Tunnel(ClientConfig config, CredentialSource credentials) {
        this.config = config;
        TlsConnector connector = new TlsConnector(config.trustPolicy(), CONNECT_TIMEOUT, IO_TIMEOUT);
        this.opener = new SessionOpener(config.gateway(), connector, credentials, config.authGroup(), this::baseMtu,
                localHostname(), config.dtls());
        this.status = idle(TunnelState.CONNECTING, Optional.empty());
    }

    /**
     * Runs the tunnel until {@link #stop()} (returns normally) or until it fails or the session is lost (throws).
     */
    public void run() throws TunnelFailure {
        try {
            try {
                PodNetwork.removeLeftovers(config.interfaceName());
            } catch (OsException e) {
                throw new TunnelFailure(TunnelFailure.Kind.NETWORK_SETUP, "cannot clear what an earlier run left behind: " + e.getMessage(), e);
            }
            LOG.log(Level.INFO, "connecting to {0}", config.gateway());
            SessionOpener.OpenSession session = opener.open();
            SessionConfig settings = session.config();
            SessionOpener.Timings timings = session.timings();
            LOG.log(Level.INFO, "session opened over {0} ({1}): address {2}, MTU {3}, DPD {4} s, keepalive {5} s; "
                            + "TLS {6} ms, login {7} ms, CONNECT {8} ms",
                    session.tlsProtocol(), session.tlsCipherSuite(), addresses(settings), String.valueOf(settings.mtu()),
                    String.valueOf(settings.dpd().toSeconds()), String.valueOf(settings.keepalive().toSeconds()),
                    String.valueOf(timings.tls().toMillis()), String.valueOf(timings.login().toMillis()),
                    String.valueOf(timings.connect().toMillis()));
            try (PodNetwork network = setUpNetwork(session)) {
                Optional<DtlsSetup> dtls = session.dtls() instanceof SessionOpener.DtlsAvailability.Available available
                        ? Optional.of(available.setup()) : Optional.empty();
                DataPlane plane = new DataPlane(network.tun(), session.cstp(), settings, dtls, cstpCounters, dtlsCounters, oversizeOverCstp);
                dataPlane = plane;
                status = connected(session, network);
                LOG.log(Level.INFO, "tunnel up on {0}: routes {1}, excluded {2}", config.interfaceName(),
                        status.routes(), status.excludedRoutes());
                if (stopRequested) {
                    plane.stop();
                }
                SessionEnd end = plane.run();
                dataPlane = null;
                LOG.log(end.cause() == SessionEnd.Cause.STOPPED ? Level.INFO : Level.WARNING, "session ended: {0}", end);
                if (end.cause() != SessionEnd.Cause.STOPPED) {
                    throw new TunnelFailure(TunnelFailure.Kind.SESSION_LOST, "the session ended: " + end);
                }
            } finally {
                closeQuietly(session);
            }
            status = idle(TunnelState.DISCONNECTED, Optional.empty());
        } catch (TunnelFailure e) {
            status = idle(TunnelState.DISCONNECTED, Optional.of(e.getMessage()));
            if (stopRequested && e.kind() == TunnelFailure.Kind.UNREACHABLE) {
                return; // stopped while connecting
            }
            throw e;
        }
    }

    /** Logs out and tears the tunnel down; {@link #run()} then returns. Safe from any thread, e.g. a signal handler. */
    public void stop() {
        stopRequested = true;
        opener.abort();
        DataPlane plane = dataPlane;
        if (plane != null) {
            plane.stop();
        }
    }

    public TunnelStatus status() {
        TunnelStatus current = status;
        DataPlane plane = dataPlane;
        if (plane == null) {
            return current.withLive(current.transport(), current.dtls(), Optional.empty(), traffic());
        }
        TunnelStatus.Dtls dtls = plane.dtls().map(this::dtlsStatus).orElse(current.dtls());
        String transport = dtls.state().equals("up") ? "dtls" : "cstp";
        return current.withLive(transport, dtls, plane.lastDpdRoundTrip(), traffic());
    }

    private TunnelStatus.Dtls dtlsStatus(DtlsPath path) {
        String mode = path.setup().request().mode().name().toLowerCase(java.util.Locale.ROOT);
        var channel = path.channel();
        if (channel != null) {
            return new TunnelStatus.Dtls("up", mode, channel.suite().standardName(), "");
        }
        return new TunnelStatus.Dtls(path.state().label(), mode, "", path.lastError());
    }

    private PodNetwork setUpNetwork(SessionOpener.OpenSession session) throws TunnelFailure {
        SessionConfig settings = session.config();
        RoutePlanner.Plan plan = RoutePlanner.plan(settings, config.routes());
        if (!plan.refused().isEmpty()) {
            LOG.log(Level.WARNING, "not routing {0} through the tunnel: inside a never-route network", plan.refused());
        }
        TunnelRoutes routes = plan.routes();
        try {
            return PodNetwork.setUp(new TunnelInterface(config.interfaceName(), settings.ipv4(), settings.ipv6(), settings.mtu()),
                    routes, session.gateway().getAddress());
        } catch (OsException e) {
            throw new TunnelFailure(TunnelFailure.Kind.NETWORK_SETUP, "cannot set up the tunnel interface: " + e.getMessage(), e);
        }
    }

    private int baseMtu(InetAddress gateway) {
        if (config.baseMtu().isPresent()) {
            return config.baseMtu().getAsInt();
        }
        try {
            return PodNetwork.linkMtuTowards(gateway);
        } catch (OsException e) {
            LOG.log(Level.WARNING, "cannot tell the MTU towards the gateway ({0}); assuming {1}", e.getMessage(), String.valueOf(FALLBACK_BASE_MTU));
            return FALLBACK_BASE_MTU;
        }
    }

    private TunnelStatus connected(SessionOpener.OpenSession session, PodNetwork network) {
        SessionConfig settings = session.config();
        TunnelStatus.Dtls dtls = switch (session.dtls()) {
            case SessionOpener.DtlsAvailability.Available available ->
                    new TunnelStatus.Dtls("connecting", available.setup().request().mode().name().toLowerCase(java.util.Locale.ROOT), "", "");
            case SessionOpener.DtlsAvailability.Unavailable unavailable ->
                    new TunnelStatus.Dtls(unavailable.reason().equals("disabled") ? "disabled" : "unavailable", "", "", unavailable.reason());
        };
        return new TunnelStatus(TunnelState.CONNECTED, "cstp", config.gateway().authority(), settings.ipv4(), settings.ipv6(),
                network.routesThroughTunnel(), network.routesAroundTunnel(), settings.dnsServers(), settings.searchDomains(),
                settings.mtu(), Optional.of(Instant.now()), Optional.empty(), session.tlsProtocol(), session.tlsCipherSuite(),
                dtls, traffic(), Optional.empty());
    }

    private TunnelStatus idle(TunnelState state, Optional<String> error) {
        return new TunnelStatus(state, "cstp", config.gateway().authority(), Optional.empty(), Optional.empty(), List.of(),
                List.of(), List.of(), List.of(), 0, Optional.empty(), Optional.empty(), "", "", TunnelStatus.Dtls.NONE, traffic(), error);
    }

    private TunnelStatus.Traffic traffic() {
        return new TunnelStatus.Traffic(TunnelStatus.ChannelTraffic.of(cstpCounters), TunnelStatus.ChannelTraffic.of(dtlsCounters),
                oversizeOverCstp.get());
    }

    private static String addresses(SessionConfig settings) {
        return settings.ipv4().map(Object::toString).orElse("") + settings.ipv6().map(a -> " " + a).orElse("");
    }

    private static void closeQuietly(SessionOpener.OpenSession session) {
        session.cstp().close(); // already closed by the data plane, or being abandoned
    }

    /** The name the gateway lists this client under: the pod's (or machine's) host name. */
    private static String localHostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "corridor";
        }
    }
}
