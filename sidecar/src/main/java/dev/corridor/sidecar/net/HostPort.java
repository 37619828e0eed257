package dev.corridor.sidecar.net;

import java.util.Locale;

/**
 * A destination as a client names it: an IP literal or a host name, and a port. Names are kept as written (lower
 * case); they are resolved where the connection is made, never here.
 *
 * @param host an IP literal (IPv6 without brackets) or a host name
 */
public record HostPort(String host, int port) {
    private static final String NAME = "(?i)[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))*\\.?";

    public HostPort {
        host = host.toLowerCase(Locale.ROOT);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range 1..65535");
        }
        if (!Ip.isLiteral(host) && (host.length() > 253 || !host.matches(NAME))) {
            throw new IllegalArgumentException("'" + host + "' is neither an IP address nor a host name");
        }
        if (Ip.isLiteral(host)) {
            Ip.parseAddress(host); // 999.1.1.1 looks like a literal and is none
        }
    }

    /**
     * Parses {@code HOST:PORT}, {@code [IPV6]:PORT}: an HTTP CONNECT target, the right side of a forward.
     *
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    public static HostPort parse(String text) {
        String trimmed = text.strip();
        int colon = trimmed.lastIndexOf(':');
        boolean bracketed = trimmed.startsWith("[");
        if (colon < 1 || (bracketed ? !trimmed.substring(0, colon).endsWith("]") : trimmed.indexOf(':') != colon)) {
            throw new IllegalArgumentException(
                    "'" + text + "' must be HOST:PORT (an IPv6 address in brackets: [fd00::1]:443)");
        }
        String host = bracketed ? trimmed.substring(1, colon - 1) : trimmed.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(trimmed.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no valid port");
        }
        try {
            return new HostPort(host, port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "': " + e.getMessage());
        }
    }

    public boolean isLiteral() {
        return Ip.isLiteral(host);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
