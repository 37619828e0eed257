package dev.corridor.sidecar.transport;

import dev.corridor.sidecar.net.Ip;
import java.net.URI;
import java.net.URISyntaxException;

/** Where the gateway listens: {@code https://host[:port][/path]}, or just a host name as openconnect accepts it. */
public record GatewayUrl(String host, int port, String path) {

    public GatewayUrl {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("the gateway URL has no host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the gateway port " + port + " is out of range");
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("the gateway path must start with '/'");
        }
    }

    public static GatewayUrl parse(String text) {
        String withScheme = text.contains("://") ? text : "https://" + text;
        URI uri;
        try {
            uri = new URI(withScheme);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a gateway URL: " + e.getReason());
        }
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("'" + text + "' is not a gateway URL: the scheme must be https");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("'" + text + "' is not a gateway URL: it names no host");
        }
        if (uri.getQuery() != null || uri.getFragment() != null || uri.getUserInfo() != null) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a gateway URL: no user, query or fragment allowed");
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String host = uri.getHost().startsWith("[")
                ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        return new GatewayUrl(host, uri.getPort() < 0 ? 443 : uri.getPort(), path);
    }

    /** The same gateway, another path. */
    public GatewayUrl withPath(String otherPath) {
        return new GatewayUrl(host, port, otherPath);
    }

    /** The Host header value. */
    public String authority() {
        String name = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return port == 443 ? name : name + ":" + port;
    }

    /** The host as SNI may carry it: a name, never an IP literal. */
    public boolean hasHostName() {
        return !Ip.isLiteral(host);
    }

    @Override
    public String toString() {
        return "https://" + authority() + path;
    }
}
