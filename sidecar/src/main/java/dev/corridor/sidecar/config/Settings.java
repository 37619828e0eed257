package dev.corridor.sidecar.config;

import dev.corridor.sidecar.net.HostPort;
import dev.corridor.sidecar.net.Ip;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.protocol.auth.ClientProfile;
import dev.corridor.sidecar.protocol.auth.FormEntry;
import dev.corridor.sidecar.protocol.auth.ReportedOs;
import dev.corridor.sidecar.protocol.tunnel.DtlsCipher;
import dev.corridor.sidecar.protocol.tunnel.DtlsOffer;
import dev.corridor.sidecar.token.TokenMode;
import dev.corridor.sidecar.token.TokenSecret;
import dev.corridor.sidecar.transport.GatewayUrl;
import dev.corridor.sidecar.transport.PublicKeyPin;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Settings as a user wrote them, on the command line or in the {@code --config} file (the same names in both);
 * any of them may be absent. {@link #overriddenBy} layers the command line over the file, and
 * {@link #resolve} checks everything and fills in defaults.
 */
public final class Settings {
    static final int MIN_BASE_MTU = 1280;
    static final int MAX_BASE_MTU = 9000;

    private final Map<Setting, Object> values;

    private Settings(Map<Setting, Object> values) {
        this.values = values;
    }

    public static Settings empty() {
        return new Settings(Map.of());
    }

    /**
     * These settings with one more value, of the setting's {@link Setting.Kind}; a null (or an empty list, which is
     * how a repeatable option that was never given arrives) leaves the setting as it was.
     */
    public Settings with(Setting setting, Object value) {
        if (value == null || (value instanceof List<?> list && list.isEmpty())) {
            return this;
        }
        Class<?> expected = switch (setting.kind()) {
            case TEXT -> String.class;
            case FLAG -> Boolean.class;
            case NUMBER -> Integer.class;
            case LIST -> List.class;
        };
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException(setting.key() + " takes a " + expected.getSimpleName() + ", not "
                    + value.getClass().getSimpleName());
        }
        EnumMap<Setting, Object> changed = values.isEmpty() ? new EnumMap<>(Setting.class) : new EnumMap<>(values);
        changed.put(setting, value instanceof List<?> list ? List.copyOf(list) : value);
        return new Settings(Collections.unmodifiableMap(changed));
    }

    /** These settings with every value that {@code other} sets replaced by its value. */
    public Settings overriddenBy(Settings other) {
        Settings merged = this;
        for (Map.Entry<Setting, Object> entry : other.values.entrySet()) {
            merged = merged.with(entry.getKey(), entry.getValue());
        }
        return merged;
    }

    private String text(Setting setting) {
        return (String) values.get(setting);
    }

    private Boolean flag(Setting setting) {
        return (Boolean) values.get(setting);
    }

    private Integer number(Setting setting) {
        return (Integer) values.get(setting);
    }

    @SuppressWarnings("unchecked")
    private List<String> list(Setting setting) {
        return (List<String>) values.getOrDefault(setting, List.of());
    }

    private Optional<Path> path(Setting setting) {
        return Optional.ofNullable(text(setting)).map(Path::of);
    }

    /** Validates and applies defaults. */
    public ClientConfig resolve() throws ConfigException {
        String server = text(Setting.SERVER);
        if (server == null || server.isBlank()) {
            throw new ConfigException(
                    "no gateway given: pass its URL (e.g. https://vpn.example.com/) or set 'server' in the config file");
        }
        GatewayUrl gateway;
        try {
            gateway = GatewayUrl.parse(server);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("server: " + e.getMessage());
        }
        if (values.containsKey(Setting.USER) && values.containsKey(Setting.USER_FILE)) {
            throw new ConfigException("user and userFile are both set; give the user name one way");
        }
        boolean passwordOnStdin = Boolean.TRUE.equals(flag(Setting.PASSWORD_ON_STDIN));
        if (values.containsKey(Setting.PASSWORD_FILE) && passwordOnStdin) {
            throw new ConfigException("passwordFile and passwordOnStdin are both set; give the password one way");
        }
        List<PublicKeyPin> pins = new ArrayList<>();
        for (String pin : list(Setting.SERVER_CERT)) {
            try {
                pins.add(PublicKeyPin.parse(pin));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("serverCert: " + e.getMessage());
            }
        }
        String name = Objects.requireNonNullElse(text(Setting.INTERFACE), ClientConfig.DEFAULT_INTERFACE);
        if (!name.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw new ConfigException("interface: '" + name
                    + "' is not a usable interface name (1 to 15 letters, digits, '_', '.' or '-')");
        }
        Integer baseMtu = number(Setting.BASE_MTU);
        if (baseMtu != null && (baseMtu < MIN_BASE_MTU || baseMtu > MAX_BASE_MTU)) {
            throw new ConfigException(
                    "baseMtu: " + baseMtu + " is out of range; expected " + MIN_BASE_MTU + ".." + MAX_BASE_MTU);
        }
        boolean cookieOnStdin = Boolean.TRUE.equals(flag(Setting.COOKIE_ON_STDIN));
        if (cookieOnStdin && passwordOnStdin) {
            throw new ConfigException(
                    "cookieOnStdin and passwordOnStdin are both set; standard input gives one or the other");
        }
        if (cookieOnStdin && values.containsKey(Setting.COOKIE_FILE)) {
            throw new ConfigException("cookieOnStdin and cookieFile are both set; give the cookie one way");
        }
        boolean cookie = cookieOnStdin || values.containsKey(Setting.COOKIE_FILE);
        List<DtlsCipher> dtlsCiphers =
                dtlsCiphers(Setting.DTLS_CIPHERS, DtlsCipher.Header.DTLS, DtlsOffer.DEFAULT_DTLS);
        List<DtlsCipher> dtls12Ciphers =
                dtlsCiphers(Setting.DTLS12_CIPHERS, DtlsCipher.Header.DTLS12, DtlsOffer.DEFAULT_DTLS12);
        if (dtlsCiphers.isEmpty() && dtls12Ciphers.isEmpty() && !Boolean.FALSE.equals(flag(Setting.DTLS))) {
            throw new ConfigException("dtlsCiphers and dtls12Ciphers are both empty: no DTLS cipher is left to offer "
                    + "(to carry everything over TLS, use --no-dtls)");
        }
        for (Setting login : List.of(Setting.PASSWORD_FILE, Setting.PASSWORD_ON_STDIN, Setting.TOKEN_MODE)) {
            if (cookie && values.containsKey(login) && !Boolean.FALSE.equals(values.get(login))) {
                throw new ConfigException((cookieOnStdin ? "cookieOnStdin" : "cookieFile") + " and " + login.key()
                        + " are both set; a session cookie replaces the login");
            }
        }
        EgressConfig egress = egress();
        Optional<DnsConfig> dns = dns(egress.enabled());
        return new ClientConfig(
                gateway,
                Optional.ofNullable(text(Setting.USER)),
                path(Setting.USER_FILE),
                path(Setting.PASSWORD_FILE),
                passwordOnStdin,
                pins,
                path(Setting.CAFILE),
                Optional.ofNullable(text(Setting.AUTHGROUP)),
                formEntries(),
                token(),
                certificateFiles(Setting.CERTIFICATE, Setting.SSLKEY, Setting.KEY_PASSWORD_FILE),
                certificateFiles(Setting.MCA_CERTIFICATE, Setting.MCA_KEY, Setting.MCA_KEY_PASSWORD_FILE),
                path(Setting.COOKIE_FILE),
                cookieOnStdin,
                profile(),
                name,
                !Boolean.FALSE.equals(flag(Setting.DTLS)),
                baseMtu == null ? OptionalInt.empty() : OptionalInt.of(baseMtu),
                httpAddress(Objects.requireNonNullElse(
                        text(Setting.HTTP_ADDRESS), "0.0.0.0:" + ClientConfig.DEFAULT_HTTP_PORT)),
                path(Setting.STATUS_TOKEN_FILE),
                dns,
                new RouteOptions(
                        networks(Setting.ROUTE),
                        networks(Setting.EXCLUDE_ROUTE),
                        networks(Setting.NEVER_ROUTE),
                        Boolean.TRUE.equals(flag(Setting.ALLOW_DEFAULT_ROUTE)),
                        dns.isPresent()),
                Boolean.TRUE.equals(flag(Setting.FAIL_CLOSED)),
                reconnect(),
                logLevel(text(Setting.LOG_LEVEL)),
                dtlsCiphers,
                dtls12Ciphers,
                Boolean.TRUE.equals(flag(Setting.PFS)),
                egress);
    }

    /**
     * A colon-separated list of OpenConnect DTLS cipher names, as openconnect's {@code --dtls-ciphers} and
     * {@code --dtls12-ciphers} take it: unset gives openconnect's default offer (what Corridor speaks of it), empty
     * leaves the header out, and an unknown name is an error listing the known ones.
     */
    private List<DtlsCipher> dtlsCiphers(Setting setting, DtlsCipher.Header header, List<DtlsCipher> defaults)
            throws ConfigException {
        String value = text(setting);
        if (value == null) {
            return defaults;
        }
        Set<DtlsCipher> ciphers = new LinkedHashSet<>();
        for (String name : value.split(":", -1)) {
            String trimmed = name.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            Optional<DtlsCipher> cipher = DtlsCipher.of(header, trimmed);
            if (cipher.isEmpty()) {
                DtlsCipher.Header other =
                        header == DtlsCipher.Header.DTLS ? DtlsCipher.Header.DTLS12 : DtlsCipher.Header.DTLS;
                String hint = DtlsCipher.of(other, trimmed).isPresent()
                        ? " (it belongs in "
                                + (other == DtlsCipher.Header.DTLS ? Setting.DTLS_CIPHERS : Setting.DTLS12_CIPHERS)
                                        .key()
                                + ")"
                        : "";
                throw new ConfigException(setting.key() + ": unknown DTLS cipher '" + trimmed + "'" + hint + "; known: "
                        + DtlsCipher.known(header));
            }
            ciphers.add(cipher.get());
        }
        return List.copyOf(ciphers);
    }

    /**
     * @param egress the egress listeners resolve names through the forwarder: without {@code dnsListen}, it serves a
     *               loopback port of its own
     */
    private Optional<DnsConfig> dns(boolean egress) throws ConfigException {
        if (text(Setting.DNS_LISTEN) == null && !egress) {
            for (Setting dependent : List.of(
                    Setting.DNS_UPSTREAM, Setting.DNS_DOMAIN, Setting.DNS_ALL_THROUGH_TUNNEL, Setting.CLUSTER_DOMAIN)) {
                if (values.containsKey(dependent) && !Boolean.FALSE.equals(values.get(dependent))) {
                    throw new ConfigException(
                            dependent.key() + " is set without dnsListen (where the DNS forwarder serves)");
                }
            }
            return Optional.empty();
        }
        InetSocketAddress listen = text(Setting.DNS_LISTEN) == null
                ? new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)
                : socketAddress(Setting.DNS_LISTEN, text(Setting.DNS_LISTEN), OptionalInt.empty());
        List<InetSocketAddress> upstream = new ArrayList<>();
        for (String server : list(Setting.DNS_UPSTREAM)) {
            upstream.add(socketAddress(Setting.DNS_UPSTREAM, server, OptionalInt.of(53)));
        }
        List<String> domains = new ArrayList<>();
        for (String domain : list(Setting.DNS_DOMAIN)) {
            Optional<String> problem = DnsConfig.domainProblem(domain.strip());
            if (problem.isPresent()) {
                throw new ConfigException("dnsDomain: " + problem.get());
            }
            domains.add(domain.strip());
        }
        String clusterDomain = Objects.requireNonNullElse(
                        text(Setting.CLUSTER_DOMAIN), DnsConfig.DEFAULT_CLUSTER_DOMAIN)
                .strip();
        Optional<String> problem = DnsConfig.domainProblem(clusterDomain);
        if (problem.isPresent()) {
            throw new ConfigException("clusterDomain: " + problem.get());
        }
        return Optional.of(new DnsConfig(
                listen, upstream, domains, Boolean.TRUE.equals(flag(Setting.DNS_ALL_THROUGH_TUNNEL)), clusterDomain));
    }

    private EgressConfig egress() throws ConfigException {
        List<EgressConfig.Forward> forwards = new ArrayList<>();
        for (String forward : list(Setting.FORWARD)) {
            int eq = forward.indexOf('=');
            if (eq < 0) {
                throw new ConfigException("forward: '" + forward
                        + "' must be LISTEN_ADDRESS:PORT=HOST:PORT, e.g. 0.0.0.0:5432=db.corp.example:5432");
            }
            HostPort target;
            try {
                target = HostPort.parse(forward.substring(eq + 1));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("forward: the target " + e.getMessage());
            }
            forwards.add(new EgressConfig.Forward(
                    socketAddress(Setting.FORWARD, forward.substring(0, eq), OptionalInt.empty()), target));
        }
        Optional<InetSocketAddress> socks5 = listenAddress(Setting.SOCKS_LISTEN);
        Optional<InetSocketAddress> httpProxy = listenAddress(Setting.HTTP_PROXY_LISTEN);
        EgressConfig egress = new EgressConfig(forwards, socks5, httpProxy, networks(Setting.PROXY_ALLOW_SOURCE));
        if (!egress.enabled() && !egress.allowedSources().isEmpty()) {
            throw new ConfigException(
                    "proxyAllowSource is set without forward, socksListen or httpProxyListen (the listeners it opens)");
        }
        Set<InetSocketAddress> seen = new HashSet<>();
        for (InetSocketAddress address : egress.listenAddresses()) {
            if (!seen.add(address)) {
                throw new ConfigException("forward, socksListen and httpProxyListen: "
                        + address.getAddress().getHostAddress() + ":" + address.getPort()
                        + " is given twice; each listener needs its own port");
            }
        }
        return egress;
    }

    private Optional<InetSocketAddress> listenAddress(Setting setting) throws ConfigException {
        String text = text(setting);
        return text == null ? Optional.empty() : Optional.of(socketAddress(setting, text, OptionalInt.empty()));
    }

    /** An IP literal with a port ({@code 127.0.0.1:53}, {@code [::1]:53}), or without one when {@code defaultPort} is given. */
    private static InetSocketAddress socketAddress(Setting setting, String text, OptionalInt defaultPort)
            throws ConfigException {
        String trimmed = text.strip();
        String host = trimmed;
        OptionalInt port = defaultPort;
        int colon = trimmed.lastIndexOf(':');
        boolean bracketed = trimmed.startsWith("[");
        if (bracketed ? trimmed.contains("]:") : colon > 0 && trimmed.indexOf(':') == colon) {
            host = trimmed.substring(0, colon);
            try {
                port = OptionalInt.of(Integer.parseInt(trimmed.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new ConfigException(setting.key() + ": '" + text + "' has no valid port");
            }
        }
        if (port.isEmpty()) {
            throw new ConfigException(setting.key() + ": '" + text + "' must be ADDRESS:PORT, e.g. 127.0.0.1:53");
        }
        if (port.getAsInt() < 1 || port.getAsInt() > 65535) {
            throw new ConfigException(setting.key() + ": port " + port.getAsInt() + " is out of range");
        }
        try {
            return new InetSocketAddress(Ip.parseAddress(host), port.getAsInt());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    setting.key() + ": " + e.getMessage() + " (an IP address: no name is resolved here)");
        }
    }

    private List<FormEntry> formEntries() throws ConfigException {
        List<FormEntry> entries = new ArrayList<>();
        for (String text : list(Setting.FORM_ENTRY)) {
            try {
                entries.add(FormEntry.parse(text));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("formEntry: " + e.getMessage());
            }
        }
        return entries;
    }

    private Optional<TokenConfig> token() throws ConfigException {
        String mode = text(Setting.TOKEN_MODE);
        boolean inline = values.containsKey(Setting.TOKEN_SECRET);
        boolean file = values.containsKey(Setting.TOKEN_SECRET_FILE);
        if (mode == null) {
            if (inline || file) {
                throw new ConfigException(
                        (inline ? "tokenSecret" : "tokenSecretFile") + " is set without tokenMode (totp or hotp)");
            }
            return Optional.empty();
        }
        TokenMode parsed = switch (mode.strip().toLowerCase(Locale.ROOT)) {
            case "totp" -> TokenMode.TOTP;
            case "hotp" -> TokenMode.HOTP;
            default -> throw new ConfigException("tokenMode: '" + mode + "' is not totp or hotp");
        };
        if (inline == file) {
            throw new ConfigException(
                    "tokenMode is " + mode + ": give the seed with exactly one of tokenSecret and tokenSecretFile");
        }
        if (inline) {
            try {
                TokenSecret.parse(text(Setting.TOKEN_SECRET));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("tokenSecret: " + e.getMessage());
            }
            if (parsed == TokenMode.HOTP) {
                throw new ConfigException(
                        "tokenMode hotp needs tokenSecretFile: its counter advances with every code, and is "
                                + "saved in that file so that no code is ever sent twice");
            }
        }
        return Optional.of(new TokenConfig(
                parsed, Optional.ofNullable(text(Setting.TOKEN_SECRET)), path(Setting.TOKEN_SECRET_FILE)));
    }

    private Optional<CertificateFiles> certificateFiles(Setting certificate, Setting key, Setting passwordFile)
            throws ConfigException {
        if (!values.containsKey(certificate)) {
            for (Setting dependent : List.of(key, passwordFile)) {
                if (values.containsKey(dependent)) {
                    throw new ConfigException(dependent.key() + " is set without " + certificate.key());
                }
            }
            return Optional.empty();
        }
        return Optional.of(new CertificateFiles(path(certificate).orElseThrow(), path(key), path(passwordFile)));
    }

    private ClientProfile profile() throws ConfigException {
        ClientProfile defaults = ClientProfile.defaults();
        ReportedOs os = defaults.os();
        if (text(Setting.OS) != null) {
            os = ReportedOs.of(text(Setting.OS).strip())
                    .orElseThrow(() -> new ConfigException("os: '" + text(Setting.OS) + "' is not one of "
                            + String.join(
                                    ", ",
                                    java.util.Arrays.stream(ReportedOs.values())
                                            .map(ReportedOs::id)
                                            .toList())));
        }
        try {
            return new ClientProfile(
                    Objects.requireNonNullElse(text(Setting.USERAGENT), defaults.userAgent()), os, defaults.version());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("useragent: " + e.getMessage());
        }
    }

    private static InetSocketAddress httpAddress(String text) throws ConfigException {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new ConfigException("httpAddress: '" + text + "' must be HOST:PORT, e.g. 0.0.0.0:9478");
        }
        String host = text.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException("httpAddress: '" + text + "' has no valid port");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException("httpAddress: port " + port + " is out of range");
        }
        try {
            return new InetSocketAddress(
                    InetAddress.getByName(host.isEmpty() ? "0.0.0.0" : host.replaceAll("^\\[|]$", "")), port);
        } catch (UnknownHostException e) {
            throw new ConfigException("httpAddress: cannot resolve '" + host + "'");
        }
    }

    private static ClientConfig.LogLevel logLevel(String text) throws ConfigException {
        if (text == null) {
            return ClientConfig.LogLevel.INFO;
        }
        try {
            return ClientConfig.LogLevel.valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("logLevel: '" + text + "' is not one of error, warn, info, debug");
        }
    }

    private List<IpNetwork> networks(Setting setting) throws ConfigException {
        List<IpNetwork> networks = new ArrayList<>();
        for (String text : list(setting)) {
            try {
                networks.add(IpNetwork.parse(text));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(setting.key() + ": " + e.getMessage());
            }
        }
        return networks;
    }

    private ReconnectPolicy reconnect() throws ConfigException {
        ReconnectPolicy defaults = ReconnectPolicy.DEFAULT;
        Duration timeout = seconds(Setting.RECONNECT_TIMEOUT, defaults.timeout(), 0);
        Duration minDelay = seconds(Setting.RECONNECT_MIN_DELAY, defaults.minDelay(), 1);
        Duration maxDelay = seconds(Setting.RECONNECT_MAX_DELAY, defaults.maxDelay(), 1);
        if (maxDelay.compareTo(minDelay) < 0) {
            throw new ConfigException("reconnectMaxDelay: " + maxDelay.toSeconds() + " is less than reconnectMinDelay ("
                    + minDelay.toSeconds() + ")");
        }
        return new ReconnectPolicy(timeout, minDelay, maxDelay);
    }

    private Duration seconds(Setting setting, Duration fallback, int minimum) throws ConfigException {
        Integer value = number(setting);
        if (value == null) {
            return fallback;
        }
        if (value < minimum || value > 86_400) {
            throw new ConfigException(
                    setting.key() + ": " + value + " is out of range; expected " + minimum + "..86400 seconds");
        }
        return Duration.ofSeconds(value);
    }
}
