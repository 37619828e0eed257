package dev.corridor.sidecar.config;

import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.transport.GatewayUrl;
import dev.corridor.sidecar.transport.PublicKeyPin;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Settings as a user wrote them, on the command line or in the {@code --config} file (the same names in both);
 * any of them may be absent. {@link #overriddenBy} layers the command line over the file, and
 * {@link #resolve} checks everything and fills in defaults.
 */
public record Settings(
        String server,
        String user,
        Path userFile,
        Path passwordFile,
        Boolean passwordOnStdin,
        List<String> serverCert,
        Path cafile,
        String authgroup,
        String interfaceName,
        Boolean dtls,
        Integer baseMtu,
        String httpAddress,
        Boolean allowDefaultRoute,
        List<String> route,
        List<String> excludeRoute,
        List<String> neverRoute,
        Integer reconnectTimeout,
        Integer reconnectMinDelay,
        Integer reconnectMaxDelay,
        String logLevel) {

    static final int MIN_BASE_MTU = 1280;
    static final int MAX_BASE_MTU = 9000;

    public static Settings empty() {
        return new Settings(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null);
    }

    /** These settings with every value that {@code other} sets replaced by its value. */
    public Settings overriddenBy(Settings other) {
        return new Settings(
                pick(other.server, server),
                pick(other.user, user),
                pick(other.userFile, userFile),
                pick(other.passwordFile, passwordFile),
                pick(other.passwordOnStdin, passwordOnStdin),
                pickList(other.serverCert, serverCert),
                pick(other.cafile, cafile),
                pick(other.authgroup, authgroup),
                pick(other.interfaceName, interfaceName),
                pick(other.dtls, dtls),
                pick(other.baseMtu, baseMtu),
                pick(other.httpAddress, httpAddress),
                pick(other.allowDefaultRoute, allowDefaultRoute),
                pickList(other.route, route),
                pickList(other.excludeRoute, excludeRoute),
                pickList(other.neverRoute, neverRoute),
                pick(other.reconnectTimeout, reconnectTimeout),
                pick(other.reconnectMinDelay, reconnectMinDelay),
                pick(other.reconnectMaxDelay, reconnectMaxDelay),
                pick(other.logLevel, logLevel));
    }

    /** Validates and applies defaults. */
    public ClientConfig resolve() throws ConfigException {
        if (server == null || server.isBlank()) {
            throw new ConfigException("no gateway given: pass its URL (e.g. https://vpn.example.com/) or set 'server' in the config file");
        }
        GatewayUrl gateway;
        try {
            gateway = GatewayUrl.parse(server);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("server: " + e.getMessage());
        }
        if (user != null && userFile != null) {
            throw new ConfigException("user and userFile are both set; give the user name one way");
        }
        if (passwordFile != null && Boolean.TRUE.equals(passwordOnStdin)) {
            throw new ConfigException("passwordFile and passwordOnStdin are both set; give the password one way");
        }
        List<PublicKeyPin> pins = new ArrayList<>();
        for (String pin : serverCert == null ? List.<String>of() : serverCert) {
            try {
                pins.add(PublicKeyPin.parse(pin));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("serverCert: " + e.getMessage());
            }
        }
        String name = interfaceName == null ? ClientConfig.DEFAULT_INTERFACE : interfaceName;
        if (!name.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw new ConfigException("interface: '" + name + "' is not a usable interface name (1 to 15 letters, digits, '_', '.' or '-')");
        }
        if (baseMtu != null && (baseMtu < MIN_BASE_MTU || baseMtu > MAX_BASE_MTU)) {
            throw new ConfigException("baseMtu: " + baseMtu + " is out of range; expected " + MIN_BASE_MTU + ".." + MAX_BASE_MTU);
        }
        return new ClientConfig(
                gateway,
                Optional.ofNullable(user),
                Optional.ofNullable(userFile),
                Optional.ofNullable(passwordFile),
                Boolean.TRUE.equals(passwordOnStdin),
                pins,
                Optional.ofNullable(cafile),
                Optional.ofNullable(authgroup),
                name,
                dtls == null || dtls,
                baseMtu == null ? OptionalInt.empty() : OptionalInt.of(baseMtu),
                httpAddress(httpAddress == null ? "0.0.0.0:" + ClientConfig.DEFAULT_HTTP_PORT : httpAddress),
                new RouteOptions(networks("route", route), networks("excludeRoute", excludeRoute), networks("neverRoute", neverRoute),
                        Boolean.TRUE.equals(allowDefaultRoute)),
                reconnect(),
                logLevel(logLevel));
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
            return new InetSocketAddress(InetAddress.getByName(host.isEmpty() ? "0.0.0.0" : host.replaceAll("^\\[|]$", "")), port);
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

    private static List<IpNetwork> networks(String setting, List<String> texts) throws ConfigException {
        List<IpNetwork> networks = new ArrayList<>();
        for (String text : texts == null ? List.<String>of() : texts) {
            try {
                networks.add(IpNetwork.parse(text));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(setting + ": " + e.getMessage());
            }
        }
        return networks;
    }

    private ReconnectPolicy reconnect() throws ConfigException {
        ReconnectPolicy defaults = ReconnectPolicy.DEFAULT;
        Duration timeout = seconds("reconnectTimeout", reconnectTimeout, defaults.timeout(), 0);
        Duration minDelay = seconds("reconnectMinDelay", reconnectMinDelay, defaults.minDelay(), 1);
        Duration maxDelay = seconds("reconnectMaxDelay", reconnectMaxDelay, defaults.maxDelay(), 1);
        if (maxDelay.compareTo(minDelay) < 0) {
            throw new ConfigException("reconnectMaxDelay: " + maxDelay.toSeconds() + " is less than reconnectMinDelay ("
                    + minDelay.toSeconds() + ")");
        }
        return new ReconnectPolicy(timeout, minDelay, maxDelay);
    }

    private static Duration seconds(String setting, Integer value, Duration fallback, int minimum) throws ConfigException {
        if (value == null) {
            return fallback;
        }
        if (value < minimum || value > 86_400) {
            throw new ConfigException(setting + ": " + value + " is out of range; expected " + minimum + "..86400 seconds");
        }
        return Duration.ofSeconds(value);
    }

    private static <T> List<T> pickList(List<T> preferred, List<T> fallback) {
        return preferred != null && !preferred.isEmpty() ? preferred : fallback;
    }

    private static <T> T pick(T preferred, T fallback) {
        return preferred != null ? preferred : fallback;
    }
}
