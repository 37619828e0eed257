package dev.corridor.sidecar.session;

import dev.corridor.sidecar.config.ClientConfig;
import dev.corridor.sidecar.config.DnsConfig;
import dev.corridor.sidecar.dns.CorporateDns;
import dev.corridor.sidecar.dns.DnsRoutes;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.os.ClusterNetworks;
import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.PodNetwork;
import dev.corridor.sidecar.os.Route;
import dev.corridor.sidecar.os.TunnelInterface;
import dev.corridor.sidecar.os.TunnelRoutes;
import dev.corridor.sidecar.protocol.tunnel.SessionConfig;
import dev.corridor.sidecar.transport.TlsConnector;
import dev.corridor.sidecar.transport.dtls.DtlsHandshake;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The tunnel's life: clear leftovers of an earlier run, open the session, set up the tun device and routes,
 * carry traffic until told to stop or the session ends, and leave nothing behind.
 */
public final class Tunnel {
    private static final Duration MIN_RENEWAL_MARGIN = Duration.ofSeconds(10);
    private static final Duration MAX_RENEWAL_MARGIN = Duration.ofMinutes(5);
    private static final Logger LOG = System.getLogger(Tunnel.class.getName());
    /** openconnect's base MTU when the path MTU is unknown. */
    static final int FALLBACK_BASE_MTU = 1406;

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration IO_TIMEOUT = Duration.ofSeconds(30);
    /** How often refused credentials are checked for a change (a Secret update reaches the files within a minute or so). */
    static final Duration CREDENTIALS_POLL = Duration.ofSeconds(2);

    private final ClientConfig config;
    private final SessionOpener opener;
    private final TunnelObserver observer;
    private final TrafficCounters counters = new TrafficCounters();
    private final CredentialSource credentials;
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private volatile TunnelStatus status;
    private volatile DataPlane dataPlane;
    /** The corporate side of DNS for the forwarder: the last session's, marked down while no session runs. */
    private volatile CorporateDns corporateDns;

    private volatile boolean stopRequested;
    /** Routes an earlier run left, for the first session's set-up to take over (fail-closed runs keep them). */
    private List<Route> leftovers = List.of();
    /** The pod's own networks that no gateway route may capture; found at start. */
    private List<IpNetwork> clusterNetworks = List.of();

    public Tunnel(ClientConfig config, CredentialSource credentials, TunnelObserver observer) {
        this.config = config;
        this.credentials = credentials;
        this.observer = observer;
        TlsConnector connector = new TlsConnector(config.trustPolicy(), CONNECT_TIMEOUT, IO_TIMEOUT, config.pfs());
        this.opener = new SessionOpener(
                config.gateway(),
                connector,
                credentials,
                config.authGroup(),
                config.profile(),
                this::baseMtu,
                localHostname(),
                config.dtls(),
                config.dtlsCiphers(),
                config.dtls12Ciphers(),
                observer);
        this.status = idle(TunnelState.CONNECTING, Optional.empty());
    }

    /**
     * Runs the tunnel until {@link #stop()} (returns normally), or until it cannot go on (throws): the first session
     * cannot be opened, the credentials are refused and cannot change, or a lost session cannot be re-established
     * within the reconnect policy's timeout. A lost session is re-established with backoff while the tun device and
     * routes stay in place, so that nothing meant for the tunnel leaves around it meanwhile.
     */
    public void run() throws TunnelFailure {
        try {
            try {
                leftovers = PodNetwork.clearLeftovers(config.interfaceName(), config.failClosed());
            } catch (OsException e) {
                throw new TunnelFailure(
                        TunnelFailure.Kind.NETWORK_SETUP,
                        "cannot clear what an earlier run left behind: " + e.getMessage(),
                        e);
            }
            try {
                PodNetwork.checkTunDevice(config.interfaceName());
                clusterNetworks = ClusterNetworks.discover(
                        ClusterNetworks.RESOLV_CONF,
                        Optional.ofNullable(System.getenv(ClusterNetworks.NODE_IP_VARIABLE)));
            } catch (OsException e) {
                throw new TunnelFailure(
                        TunnelFailure.Kind.NETWORK_SETUP, "cannot set up the tunnel interface: " + e.getMessage(), e);
            }
            LOG.log(Level.DEBUG, "cluster networks no gateway route may capture: {0}", clusterNetworks);
            LOG.log(Level.INFO, "connecting to {0}", config.gateway());
            SessionOpener.OpenSession session = openFirst();
            if (session == null) {
                status = idle(TunnelState.DISCONNECTED, Optional.empty());
                return;
            }
            PodNetwork network = setUpNetwork(session);
            try {
                Backoff backoff = new Backoff(config.reconnect(), new SplittableRandom());
                while (session != null) {
                    Instant started = Instant.now();
                    SessionEnd end = carry(session, network);
                    closeQuietly(session);
                    if (end.cause() == SessionEnd.Cause.STOPPED) {
                        break;
                    }
                    observer.sessionLost(end.cause());
                    if (Duration.between(started, Instant.now())
                                    .compareTo(config.reconnect().maxDelay())
                            >= 0) {
                        backoff.reset();
                    }
                    // After a DISCONNECT, the gateway's or our logout, the cookie is void; after a broken path it still
                    // holds.
                    Optional<SessionCookie> resume = end.cause() == SessionEnd.Cause.GATEWAY_DISCONNECTED
                                    || end.cause() == SessionEnd.Cause.RENEWAL
                            ? Optional.empty()
                            : Optional.of(session.cookie());
                    session = reestablish(network, end, resume, backoff);
                }
            } finally {
                if (config.failClosed()) {
                    network.closeFailClosed();
                } else {
                    network.close();
                }
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
        stopSignal.countDown();
        opener.abort();
        DataPlane plane = dataPlane;
        if (plane != null) {
            plane.stop();
        }
    }

    /** The first session; empty (null) when stopped first. Only refused credentials that can change are waited out. */
    private SessionOpener.OpenSession openFirst() throws TunnelFailure {
        while (true) {
            try {
                return opened(opener.open(Optional.empty()));
            } catch (TunnelFailure e) {
                if (e.kind() != TunnelFailure.Kind.AUTHENTICATION || !awaitNewCredentials(e)) {
                    throw e;
                }
                if (stopRequested) {
                    return null;
                }
            }
        }
    }

    /**
     * Re-establishes a lost session, with the old cookie first where it may still hold, until it works, the policy's
     * timeout passes, or the tunnel is stopped (null). Meanwhile the device's packets are drained and counted.
     */
    private SessionOpener.OpenSession reestablish(
            PodNetwork network, SessionEnd end, Optional<SessionCookie> resume, Backoff backoff) throws TunnelFailure {
        Instant lost = Instant.now();
        LOG.log(
                end.cause() == SessionEnd.Cause.RENEWAL ? Level.INFO : Level.WARNING,
                "session {0} ({1}); re-establishing it, the routes stay on {2} meanwhile",
                end.cause() == SessionEnd.Cause.RENEWAL ? "renewed" : "lost",
                end,
                config.interfaceName());
        int attempts = 0;
        Optional<String> lastError = Optional.empty();
        try (OutageDrain drain = OutageDrain.start(network.tun(), counters.droppedWhileDown)) {
            while (!stopRequested) {
                attempts++;
                status = recovering(network, new TunnelStatus.Recovery(end.toString(), attempts, lost), lastError);
                try {
                    SessionOpener.OpenSession session = opened(opener.open(resume));
                    drain.close();
                    reconfigure(network, session);
                    LOG.log(
                            Level.INFO,
                            "session re-established after {0} s, at attempt {1}",
                            String.valueOf(Duration.between(lost, Instant.now()).toSeconds()),
                            String.valueOf(attempts));
                    return session;
                } catch (TunnelFailure e) {
                    if (stopRequested) {
                        return null;
                    }
                    switch (e.kind()) {
                        case CONFIGURATION, NETWORK_SETUP -> throw e;
                        case AUTHENTICATION -> {
                            if (!awaitNewCredentials(e)) {
                                throw e;
                            }
                            resume = Optional.empty();
                            continue;
                        }
                        default -> lastError = Optional.of(e.getMessage());
                    }
                    Duration timeout = config.reconnect().timeout();
                    if (!timeout.isZero()
                            && Duration.between(lost, Instant.now()).compareTo(timeout) >= 0) {
                        throw new TunnelFailure(
                                TunnelFailure.Kind.SESSION_LOST,
                                "the session was lost (" + end + ") and could not be " + "re-established within "
                                        + timeout.toSeconds() + " s: " + e.getMessage(),
                                e);
                    }
                    Duration pause = backoff.next();
                    LOG.log(
                            Level.WARNING,
                            "re-establishing the session failed ({0}); next attempt in {1} ms",
                            e.getMessage(),
                            String.valueOf(pause.toMillis()));
                    status = recovering(network, new TunnelStatus.Recovery(end.toString(), attempts, lost), lastError);
                    if (sleepUnlessStopped(pause)) {
                        return null;
                    }
                }
            }
            return null;
        }
    }

    /**
     * After the gateway refused the credentials: never send the same ones again (each refusal adds to the gateway's
     * ban score), but wait until they change, as a rotated Kubernetes Secret changes its files. False when they
     * cannot change (read from standard input) and the tunnel should give up.
     */
    private boolean awaitNewCredentials(TunnelFailure refusal) {
        Optional<String> refused = credentials.revision();
        if (refused.isEmpty()) {
            return false;
        }
        LOG.log(
                Level.ERROR,
                "authentication failed: {0}. These credentials will not be sent again; Corridor logs in as soon as "
                        + "they change (update the Secret).",
                refusal.getMessage());
        status = status.withError(
                TunnelState.DISCONNECTED,
                "authentication failed: " + refusal.getMessage() + "; waiting for the credentials to change");
        while (!stopRequested) {
            if (sleepUnlessStopped(CREDENTIALS_POLL)) {
                return true;
            }
            if (!credentials.revision().equals(refused)) {
                LOG.log(Level.INFO, "the credentials changed; logging in again");
                return true;
            }
        }
        return true;
    }

    /** True when the tunnel was stopped during the pause. */
    private boolean sleepUnlessStopped(Duration pause) {
        try {
            return stopSignal.await(pause.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private SessionOpener.OpenSession opened(SessionOpener.OpenSession session) {
        SessionConfig settings = session.config();
        SessionOpener.Timings timings = session.timings();
        LOG.log(
                Level.INFO,
                "session opened over {0} ({1}): address {2}, MTU {3}, DPD {4} s, keepalive {5} s; "
                        + "TLS {6} ms, login {7} ms, CONNECT {8} ms",
                session.tlsProtocol(),
                session.tlsCipherSuite(),
                addresses(settings),
                String.valueOf(settings.mtu()),
                String.valueOf(settings.dpd().toSeconds()),
                String.valueOf(settings.keepalive().toSeconds()),
                String.valueOf(timings.tls().toMillis()),
                String.valueOf(timings.login().toMillis()),
                String.valueOf(timings.connect().toMillis()));
        return session;
    }

    /** Carries the session's traffic until it ends. */
    private SessionEnd carry(SessionOpener.OpenSession session, PodNetwork network) {
        Optional<DtlsSetup> dtls = session.dtls() instanceof SessionOpener.DtlsAvailability.Available available
                ? Optional.of(available.setup())
                : Optional.empty();
        DataPlane plane = new DataPlane(
                network.tun(),
                DataWait.polling(network.tun(), session.cstp().socket()),
                session.cstp(),
                session.config(),
                dtls,
                DtlsConnector.handshaking(),
                counters,
                observer,
                new InboundFilter(network.routesThroughTunnel(), network.routesAroundTunnel(), sidecarPorts()));
        dataPlane = plane;
        status = connected(session, network);
        corporateDns = corporateDns(session.config(), network, corporateDns == null ? 1 : corporateDns.session() + 1);
        LOG.log(
                Level.INFO,
                "tunnel up on {0}: routes {1}, excluded {2}",
                config.interfaceName(),
                status.routes().through(),
                status.routes().around());
        if (stopRequested) {
            plane.stop();
        }
        Optional<Thread> renewal = session.config()
                .sessionTimeout()
                .map(timeout -> Thread.ofVirtual().name("renewal").start(() -> {
                    try {
                        Duration margin = renewalMargin(timeout);
                        Thread.sleep(timeout.minus(margin));
                        plane.renew("the gateway's session timeout ends the session in " + margin.toSeconds() + " s");
                    } catch (InterruptedException e) {
                        // the session ended first
                    }
                }));
        SessionEnd end = plane.run();
        renewal.ifPresent(Thread::interrupt);
        if (end.cause() == SessionEnd.Cause.STOPPED || end.cause() == SessionEnd.Cause.RENEWAL) {
            session.logout();
        }
        dataPlane = null;
        CorporateDns ended = corporateDns;
        corporateDns = new CorporateDns(ended.routes(), ended.servers(), false, ended.session());
        LOG.log(
                end.cause() == SessionEnd.Cause.STOPPED || end.cause() == SessionEnd.Cause.RENEWAL
                        ? Level.INFO
                        : Level.WARNING,
                "session ended: {0}",
                end);
        return end;
    }

    /**
     * How long before the gateway's session timeout the session is renewed: a tenth of it, at least 10 s and at most
     * 5 minutes, and never more than half. The protocol cannot extend a session, so a fresh login replaces it while
     * the routes stay on the device; the gap is one login (a few hundred milliseconds), not an outage.
     */
    static Duration renewalMargin(Duration sessionTimeout) {
        Duration tenth = sessionTimeout.dividedBy(10);
        Duration bounded = tenth.compareTo(MIN_RENEWAL_MARGIN) < 0
                ? MIN_RENEWAL_MARGIN
                : tenth.compareTo(MAX_RENEWAL_MARGIN) > 0 ? MAX_RENEWAL_MARGIN : tenth;
        Duration half = sessionTimeout.dividedBy(2);
        return bounded.compareTo(half) > 0 ? half : bounded;
    }

    /**
     * What the DNS forwarder needs of the session: the corporate domains (the gateway's split-DNS and default domains,
     * and the configured ones), the networks whose reverse names are corporate, the gateway's DNS servers.
     */
    private CorporateDns corporateDns(SessionConfig settings, PodNetwork network, long sessionNumber) {
        List<String> domains = new ArrayList<>(settings.splitDnsDomains());
        domains.addAll(settings.searchDomains());
        config.dns().ifPresent(dns -> domains.addAll(dns.domains()));
        DnsRoutes routes = new DnsRoutes(
                domains,
                network.routesThroughTunnel(),
                config.dns().map(DnsConfig::clusterDomain).orElse(DnsConfig.DEFAULT_CLUSTER_DOMAIN),
                config.dns().map(DnsConfig::allThroughTunnel).orElse(false) || settings.tunnelAllDns());
        return new CorporateDns(
                routes,
                settings.dnsServers().stream()
                        .map(server -> new InetSocketAddress(server, 53))
                        .toList(),
                true,
                sessionNumber);
    }

    /** The corporate side of DNS as of now; before the first session, nothing is corporate and nothing is up. */
    public CorporateDns corporateDns() {
        CorporateDns current = corporateDns;
        return current != null
                ? current
                : new CorporateDns(
                        new DnsRoutes(
                                config.dns().map(DnsConfig::domains).orElse(List.of()),
                                List.of(),
                                config.dns().map(DnsConfig::clusterDomain).orElse(DnsConfig.DEFAULT_CLUSTER_DOMAIN),
                                config.dns().map(DnsConfig::allThroughTunnel).orElse(false)),
                        List.of(),
                        false,
                        0);
    }

    /** The sidecar's own ports (HTTP, DNS, egress) where they listen beyond loopback, which nothing from the tunnel can reach. */
    private Set<Integer> sidecarPorts() {
        Set<Integer> ports = new TreeSet<>();
        List<InetSocketAddress> listening = new ArrayList<>(List.of(config.httpAddress()));
        config.dns().ifPresent(dns -> listening.add(dns.listen()));
        listening.addAll(config.egress().listenAddresses());
        for (InetSocketAddress address : listening) {
            if (address.getAddress() == null || !address.getAddress().isLoopbackAddress()) {
                ports.add(address.getPort());
            }
        }
        return ports;
    }

    public TunnelStatus status() {
        TunnelStatus current = status;
        DataPlane plane = dataPlane;
        if (plane == null) {
            return current.withTraffic(traffic());
        }
        TunnelStatus.Dtls dtls =
                plane.dtls().map(this::dtlsStatus).orElse(current.live().dtls());
        Optional<Instant> idleExpires = plane.idleTimeout()
                .map(timeout -> Instant.now()
                        .minusNanos(System.nanoTime() - plane.lastData())
                        .plus(timeout));
        return current.withLive(new TunnelStatus.Live(dtls, idleExpires, plane.lastDpdRoundTrip()), traffic());
    }

    private TunnelStatus.Dtls dtlsStatus(DtlsPath path) {
        DtlsHandshake.Mode mode = path.setup().request().mode();
        var channel = path.channel();
        if (channel != null) {
            return TunnelStatus.Dtls.up(
                    mode, path.setup().request().cipher(), channel.suite().protocol());
        }
        return TunnelStatus.Dtls.notUp(path.state(), Optional.of(mode), path.lastError());
    }

    private PodNetwork setUpNetwork(SessionOpener.OpenSession session) throws TunnelFailure {
        SessionConfig settings = session.config();
        try {
            return PodNetwork.setUp(
                    tunnelInterface(settings),
                    plannedRoutes(settings),
                    session.gateway().getAddress(),
                    leftovers);
        } catch (OsException e) {
            closeQuietly(session);
            throw new TunnelFailure(
                    TunnelFailure.Kind.NETWORK_SETUP, "cannot set up the tunnel interface: " + e.getMessage(), e);
        }
    }

    /** Moves the device and routes to the new session's address and routes (usually the same ones). */
    private void reconfigure(PodNetwork network, SessionOpener.OpenSession session) throws TunnelFailure {
        SessionConfig settings = session.config();
        try {
            network.reconfigure(
                    tunnelInterface(settings),
                    plannedRoutes(settings),
                    session.gateway().getAddress());
        } catch (OsException e) {
            closeQuietly(session);
            throw new TunnelFailure(
                    TunnelFailure.Kind.NETWORK_SETUP,
                    "cannot move the tunnel interface to the new session: " + e.getMessage(),
                    e);
        }
    }

    private TunnelInterface tunnelInterface(SessionConfig settings) {
        return new TunnelInterface(config.interfaceName(), settings.ipv4(), settings.ipv6(), settings.mtu());
    }

    private TunnelRoutes plannedRoutes(SessionConfig settings) throws TunnelFailure {
        RoutePlanner.Plan plan = RoutePlanner.plan(settings, config.routes(), clusterNetworks);
        if (!plan.refused().isEmpty()) {
            LOG.log(
                    Level.WARNING,
                    "not routing {0} through the tunnel: inside a never-route or cluster network ({1}), "
                            + "or an address pool wider than /" + RoutePlanner.MIN_POOL_PREFIX,
                    plan.refused(),
                    clusterNetworks);
        }
        return plan.routes();
    }

    private int baseMtu(InetAddress gateway) {
        if (config.baseMtu().isPresent()) {
            return config.baseMtu().getAsInt();
        }
        try {
            return PodNetwork.linkMtuTowards(gateway);
        } catch (OsException e) {
            LOG.log(
                    Level.WARNING,
                    "cannot tell the MTU towards the gateway ({0}); assuming {1}",
                    e.getMessage(),
                    String.valueOf(FALLBACK_BASE_MTU));
            return FALLBACK_BASE_MTU;
        }
    }

    private TunnelStatus connected(SessionOpener.OpenSession session, PodNetwork network) {
        SessionConfig settings = session.config();
        Instant connectedAt = Instant.now();
        TunnelStatus.Dtls dtls = switch (session.dtls()) {
            case SessionOpener.DtlsAvailability.Available available ->
                TunnelStatus.Dtls.notUp(
                        DtlsState.CONNECTING,
                        Optional.of(available.setup().request().mode()),
                        "");
            case SessionOpener.DtlsAvailability.Disabled disabled ->
                TunnelStatus.Dtls.notUp(DtlsState.DISABLED, Optional.empty(), "disabled");
            case SessionOpener.DtlsAvailability.Unavailable unavailable ->
                TunnelStatus.Dtls.notUp(DtlsState.UNAVAILABLE, Optional.empty(), unavailable.reason());
        };
        TunnelStatus.Session facts = new TunnelStatus.Session(
                settings.ipv4(),
                settings.ipv6(),
                settings.dnsServers(),
                settings.searchDomains(),
                settings.mtu(),
                connectedAt,
                settings.sessionTimeout().map(connectedAt::plus),
                new TunnelStatus.Tls(session.tlsProtocol(), session.tlsCipherSuite()));
        return TunnelStatus.connected(
                config.gateway().authority(), facts, routes(network), dtls, session.login(), traffic());
    }

    /** Reconnecting: the routes are still installed (on the device, drained), the session is not. */
    private TunnelStatus recovering(PodNetwork network, TunnelStatus.Recovery recovery, Optional<String> lastError) {
        return TunnelStatus.recovering(
                config.gateway().authority(), routes(network), status.login(), traffic(), recovery, lastError);
    }

    private TunnelStatus idle(TunnelState state, Optional<String> error) {
        return TunnelStatus.idle(
                state,
                config.gateway().authority(),
                status == null ? TunnelStatus.Login.NONE : status.login(),
                traffic(),
                error);
    }

    private static TunnelStatus.Routes routes(PodNetwork network) {
        return new TunnelStatus.Routes(network.routesThroughTunnel(), network.routesAroundTunnel());
    }

    private TunnelStatus.Traffic traffic() {
        return counters.snapshot();
    }

    private static String addresses(SessionConfig settings) {
        return settings.ipv4().map(Object::toString).orElse("")
                + settings.ipv6().map(a -> " " + a).orElse("");
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
