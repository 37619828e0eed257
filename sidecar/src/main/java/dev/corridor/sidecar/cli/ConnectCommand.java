package dev.corridor.sidecar.cli;

import dev.corridor.sidecar.config.ClientConfig;
import dev.corridor.sidecar.config.ConfigException;
import dev.corridor.sidecar.config.DnsConfig;
import dev.corridor.sidecar.config.Setting;
import dev.corridor.sidecar.config.Settings;
import dev.corridor.sidecar.dns.DnsForwarder;
import dev.corridor.sidecar.egress.EgressLimits;
import dev.corridor.sidecar.egress.EgressServer;
import dev.corridor.sidecar.egress.ForwarderResolver;
import dev.corridor.sidecar.http.StatusServer;
import dev.corridor.sidecar.metrics.SidecarMetrics;
import dev.corridor.sidecar.os.ClusterNetworks;
import dev.corridor.sidecar.session.Tunnel;
import dev.corridor.sidecar.session.TunnelFailure;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

@Command(
        name = "connect",
        sortOptions = false,
        headerHeading = "%n",
        header = "Open an AnyConnect tunnel and keep it up until stopped.",
        synopsisHeading = "%nSYNOPSIS%n  ",
        customSynopsis = "corridor-sidecar connect [OPTIONS] [URL]",
        descriptionHeading = "%nDESCRIPTION%n",
        description = {
            "  Logs in to the AnyConnect or ocserv gateway at URL, creates the tun device",
            "  and installs the routes the gateway sends: split-include networks through",
            "  the tunnel; split-exclude networks and a host route to the gateway through",
            "  the pod's original path. Carries traffic until SIGTERM or SIGINT, then logs",
            "  out and removes the device and routes. A device or routes left behind by a",
            "  crashed run are removed first.",
            "",
            "  A lost session is re-established, with the session cookie first, while the",
            "  routes stay on the device (nothing meant for the tunnel leaves around it);",
            "  see --reconnect-*. Credentials the gateway refused are never sent again:",
            "  from files, the next login waits until the files change.",
            "",
            "  Settings may also come from --config FILE: YAML whose keys are the long",
            "  option names in camelCase (passwordFile: /secret/password). Options given",
            "  on the command line win over the file.",
            "",
            "  The gateway's certificate must chain to a trusted CA (the system store or",
            "  --cafile) and name the gateway, or match a --servercert pin. Otherwise the",
            "  connection is refused before any credential is sent, and the error prints",
            "  the certificate's pin."
        },
        parameterListHeading = "%nARGUMENTS%n",
        optionListHeading = "%nOPTIONS%n",
        exitCodeListHeading = "%nEXIT STATUS%n",
        footerHeading = "%nHTTP ENDPOINTS%n",
        footer = {
            "  GET /healthz   200 while the process runs",
            "  GET /readyz    200 only while the tunnel is up and routes are installed;",
            "                 else 503, with the reason for callers allowed /status",
            "  GET /status    JSON: state, transport, address, routes, mtu, traffic...",
            "                 for loopback callers (the pod's containers, kubectl",
            "                 port-forward) and callers sending 'Authorization: Bearer",
            "                 TOKEN' with the token in --status-token-file; others 401/403",
            "  GET /metrics   Prometheus metrics (corridor_tunnel_*, JVM, process)",
            "  A connection serves one request, whose head must fit 8 KiB and arrive",
            "  within 2 s; 32 connections at most, a new one closes the slowest.",
            "",
            "EXAMPLES",
            "  echo \"$PASSWORD\" | corridor-sidecar connect -u alice --passwd-on-stdin \\",
            "      --servercert pin-sha256:Hl8U...= https://vpn.example.com/",
            "  corridor-sidecar connect --config /etc/corridor/config/corridor.yaml"
        },
        mixinStandardHelpOptions = true,
        versionProvider = CorridorCommand.Version.class)
final class ConnectCommand implements Callable<Integer> {
    private static final Logger LOG = System.getLogger(ConnectCommand.class.getName());

    @Spec
    private CommandSpec spec;

    @Mixin
    private LoginOptions login;

    @Option(
            names = {"-i", "--interface"},
            paramLabel = "IFNAME",
            description = "Name of the tun device (default: vpn0).")
    private String interfaceName;

    @Option(names = "--no-dtls", description = "Carry all traffic over the TLS channel; never use DTLS.")
    private boolean noDtls;

    @Option(
            names = "--dtls-ciphers",
            paramLabel = "LIST",
            description = "DTLS ciphers offered in X-DTLS-CipherSuite, colon-separated OpenConnect names (default: "
                    + "PSK-NEGOTIATE:OC-DTLS1_2-AES256-GCM:OC-DTLS1_2-AES128-GCM:AES256-SHA:AES128-SHA; AES256-SHA and "
                    + "AES128-SHA are Cisco's DTLS 0.9). Empty leaves the header out.")
    private String dtlsCiphers;

    @Option(
            names = "--dtls12-ciphers",
            paramLabel = "LIST",
            description = "DTLS 1.2 ciphers offered in X-DTLS12-CipherSuite (default: ECDHE-RSA-AES256-GCM-SHA384:"
                    + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:AES256-GCM-SHA384:"
                    + "AES128-GCM-SHA256). Empty leaves the header out.")
    private String dtls12Ciphers;

    @Option(
            names = "--pfs",
            description = "Refuse a gateway whose TLS key exchange has no forward secrecy (RSA key exchange).")
    private boolean pfs;

    @Option(
            names = "--base-mtu",
            paramLabel = "MTU",
            description = "MTU of the link to the gateway (default: the MTU of the interface that reaches it).")
    private Integer baseMtu;

    @Option(
            names = "--http-address",
            paramLabel = "HOST:PORT",
            description = "Where to serve /healthz, /readyz, /status and /metrics (default: 0.0.0.0:9478).")
    private String httpAddress;

    @Option(
            names = "--status-token-file",
            paramLabel = "FILE",
            description = "Serve /status to other hosts than loopback only when they present the token in FILE "
                    + "(Authorization: Bearer); without it, /status answers loopback only.")
    private Path statusTokenFile;

    @Option(
            names = "--dns-listen",
            paramLabel = "ADDRESS:PORT",
            description =
                    "Serve DNS (UDP and TCP) here: corporate names through the tunnel to the gateway's DNS servers, "
                            + "others to the cluster's resolver. resolv.conf is never changed: point the pod (or a local resolver) here.")
    private String dnsListen;

    @Option(
            names = "--dns-upstream",
            paramLabel = "ADDRESS[:PORT]",
            description =
                    "The resolver for names that are not corporate (default: the nameservers of /etc/resolv.conf at "
                            + "start, the forwarder left out). Repeatable.")
    private List<String> dnsUpstream;

    @Option(
            names = "--dns-domain",
            paramLabel = "DOMAIN",
            description =
                    "Also resolve names under DOMAIN through the tunnel, beside the gateway's split-DNS and default "
                            + "domains. Repeatable.")
    private List<String> dnsDomain;

    @Option(
            names = "--dns-all-through-tunnel",
            description = "Resolve every name outside the cluster's domain through the tunnel.")
    private Boolean dnsAllThroughTunnel;

    @Option(
            names = "--cluster-domain",
            paramLabel = "DOMAIN",
            description = "The cluster's own domain, always resolved by the cluster (default: cluster.local).")
    private String clusterDomain;

    @Option(
            names = "--forward",
            paramLabel = "LISTEN_ADDRESS:PORT=HOST:PORT",
            description =
                    "Shared egress: forward TCP connections to LISTEN_ADDRESS:PORT to HOST:PORT through the tunnel (a name "
                            + "resolves through the tunnel's DNS). Repeatable.")
    private List<String> forward;

    @Option(
            names = "--socks-listen",
            paramLabel = "ADDRESS:PORT",
            description =
                    "Shared egress: a SOCKS5 proxy here (CONNECT, no authentication; names resolve through the tunnel's DNS).")
    private String socksListen;

    @Option(
            names = "--http-proxy-listen",
            paramLabel = "ADDRESS:PORT",
            description =
                    "Shared egress: an HTTP proxy here (CONNECT, and plain http:// requests), for HTTPS_PROXY and HTTP_PROXY.")
    private String httpProxyListen;

    @Option(
            names = "--proxy-allow-source",
            paramLabel = "CIDR",
            description =
                    "Who may connect to --forward, --socks-listen and --http-proxy-listen (default: loopback only). Repeatable.")
    private List<String> proxyAllowSource;

    @Option(
            names = "--allow-default-route",
            description = "Let the tunnel take all traffic when the gateway sends no split-include routes "
                    + "(two /1 routes; the pod's own default route stays).")
    private Boolean allowDefaultRoute;

    @Option(
            names = "--route",
            paramLabel = "CIDR",
            description = "Also send this network through the tunnel. Repeatable.")
    private List<String> route;

    @Option(
            names = "--exclude-route",
            paramLabel = "CIDR",
            description = "Also keep this network out of the tunnel. Repeatable.")
    private List<String> excludeRoute;

    @Option(
            names = "--never-route",
            paramLabel = "CIDR",
            description =
                    "Never capture this network (the cluster's pod, service and node CIDRs): it stays on the pod's "
                            + "own path, and a tunnel route inside it is not taken. Repeatable.")
    private List<String> neverRoute;

    @Option(
            names = "--fail-closed",
            description = "Keep unreachable routes for the tunnel's networks after exit, so that nothing meant for the "
                    + "tunnel leaves in clear while the sidecar restarts (the operator sets this in pods). The next run "
                    + "takes them over; 'ip route flush proto 151' removes them.")
    private Boolean failClosed;

    @Option(
            names = "--reconnect-timeout",
            paramLabel = "SECONDS",
            description = "Give up when the session cannot be re-established for this long (default: 0, never).")
    private Integer reconnectTimeout;

    @Option(
            names = "--reconnect-min-delay",
            paramLabel = "SECONDS",
            description = "First pause before reconnecting, doubled (with jitter) after each failure (default: 1).")
    private Integer reconnectMinDelay;

    @Option(
            names = "--reconnect-max-delay",
            paramLabel = "SECONDS",
            description = "Longest pause between attempts (default: 60).")
    private Integer reconnectMaxDelay;

    @Override
    public Integer call() {
        ClientConfig config;
        LoginOptions.Input input;
        try {
            config = login.resolve(commandLine());
            input = LoginOptions.readInput(config);
        } catch (ConfigException e) {
            return fail(ExitCode.BAD_CONFIGURATION, e.getMessage());
        }
        Logging.configure(config.logLevel());

        SidecarMetrics metrics = new SidecarMetrics();
        Tunnel tunnel;
        try {
            tunnel = new Tunnel(
                    config, new FileCredentials(config, input.passwords(), input.cookie()), metrics.observer());
        } catch (IllegalArgumentException e) {
            return fail(ExitCode.BAD_CONFIGURATION, e.getMessage());
        }
        metrics.watch(tunnel::status);
        StatusServer http;
        try {
            http = StatusServer.start(config.httpAddress(), config.statusTokenFile(), tunnel::status, metrics::scrape);
        } catch (IOException e) {
            return fail(
                    ExitCode.BAD_CONFIGURATION,
                    "cannot serve HTTP on " + StatusServer.describe(config.httpAddress()) + ": " + e.getMessage());
        }
        LOG.log(
                Level.INFO,
                "serving /healthz, /readyz, /status and /metrics on {0}",
                StatusServer.describe(http.address()));
        Optional<DnsForwarder> dns;
        try {
            dns = startDns(config, tunnel, metrics);
        } catch (IOException e) {
            http.close();
            return fail(
                    ExitCode.BAD_CONFIGURATION,
                    "cannot serve DNS on "
                            + StatusServer.describe(config.dns().orElseThrow().listen()) + ": " + e.getMessage());
        }
        Optional<EgressServer> egress;
        try {
            egress = startEgress(config, tunnel, dns, metrics);
        } catch (IOException e) {
            http.close();
            dns.ifPresent(DnsForwarder::close);
            return fail(ExitCode.BAD_CONFIGURATION, e.getMessage());
        }
        Signal.handle(new Signal("TERM"), signal -> tunnel.stop());
        Signal.handle(new Signal("INT"), signal -> tunnel.stop());
        try (metrics;
                http) {
            tunnel.run();
            LOG.log(Level.INFO, "stopped; the tunnel device and routes are removed");
            return ExitCode.OK.code;
        } catch (TunnelFailure e) {
            return fail(ExitCode.of(e.kind()), e.getMessage());
        } finally {
            egress.ifPresent(EgressServer::close);
            dns.ifPresent(DnsForwarder::close);
        }
    }

    /** The egress listeners, when configured: their names resolve through the DNS forwarder, which then always runs. */
    private static Optional<EgressServer> startEgress(
            ClientConfig config, Tunnel tunnel, Optional<DnsForwarder> dns, SidecarMetrics metrics) throws IOException {
        if (!config.egress().enabled()) {
            return Optional.empty();
        }
        EgressServer egress = EgressServer.start(
                config.egress(),
                EgressLimits.DEFAULT,
                tunnel::status,
                new ForwarderResolver(dns.orElseThrow()),
                metrics.egressObserver());
        LOG.log(
                Level.INFO,
                "egress listening on {0}, for {1}",
                String.join(
                        ", ",
                        config.egress().listenAddresses().stream()
                                .map(StatusServer::describe)
                                .toList()),
                config.egress().allowedSources().isEmpty()
                        ? "loopback only"
                        : config.egress().allowedSources().toString());
        return Optional.of(egress);
    }

    /** The DNS forwarder, when configured: its upstream the configured resolvers, else those of resolv.conf now. */
    private static Optional<DnsForwarder> startDns(ClientConfig config, Tunnel tunnel, SidecarMetrics metrics)
            throws IOException {
        if (config.dns().isEmpty()) {
            return Optional.empty();
        }
        DnsConfig dns = config.dns().get();
        List<InetSocketAddress> upstream =
                dns.upstreamOr(ClusterNetworks.nameserverAddresses(ClusterNetworks.RESOLV_CONF).stream()
                        .map(address -> new InetSocketAddress(address, 53))
                        .toList());
        DnsForwarder forwarder =
                DnsForwarder.start(dns.listen(), upstream, tunnel::corporateDns, metrics.dnsObserver());
        LOG.log(
                Level.INFO,
                "serving DNS on {0}: corporate names through the tunnel, others to {1}",
                StatusServer.describe(forwarder.address()),
                upstream.isEmpty()
                        ? "nobody (no upstream resolver: they fail)"
                        : String.join(
                                ", ",
                                upstream.stream().map(StatusServer::describe).toList()));
        return Optional.of(forwarder);
    }

    private Settings commandLine() {
        return login.commandLine()
                .with(Setting.INTERFACE, interfaceName)
                .with(Setting.DTLS, noDtls ? Boolean.FALSE : null)
                .with(Setting.DTLS_CIPHERS, dtlsCiphers)
                .with(Setting.DTLS12_CIPHERS, dtls12Ciphers)
                .with(Setting.PFS, pfs ? Boolean.TRUE : null)
                .with(Setting.BASE_MTU, baseMtu)
                .with(Setting.HTTP_ADDRESS, httpAddress)
                .with(Setting.STATUS_TOKEN_FILE, LoginOptions.text(statusTokenFile))
                .with(Setting.DNS_LISTEN, dnsListen)
                .with(Setting.DNS_UPSTREAM, dnsUpstream)
                .with(Setting.DNS_DOMAIN, dnsDomain)
                .with(Setting.DNS_ALL_THROUGH_TUNNEL, dnsAllThroughTunnel)
                .with(Setting.CLUSTER_DOMAIN, clusterDomain)
                .with(Setting.FORWARD, forward)
                .with(Setting.SOCKS_LISTEN, socksListen)
                .with(Setting.HTTP_PROXY_LISTEN, httpProxyListen)
                .with(Setting.PROXY_ALLOW_SOURCE, proxyAllowSource)
                .with(Setting.ALLOW_DEFAULT_ROUTE, allowDefaultRoute)
                .with(Setting.ROUTE, route)
                .with(Setting.EXCLUDE_ROUTE, excludeRoute)
                .with(Setting.NEVER_ROUTE, neverRoute)
                .with(Setting.FAIL_CLOSED, failClosed)
                .with(Setting.RECONNECT_TIMEOUT, reconnectTimeout)
                .with(Setting.RECONNECT_MIN_DELAY, reconnectMinDelay)
                .with(Setting.RECONNECT_MAX_DELAY, reconnectMaxDelay);
    }

    private int fail(ExitCode code, String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("corridor-sidecar: " + message);
        err.flush();
        return code.code;
    }
}
