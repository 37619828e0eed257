package dev.corridor.sidecar.egress;

import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * One egress listener: its protocol and where it listens. Both are configured, so as metric labels they are bounded.
 */
public record Listener(Protocol protocol, InetSocketAddress address) {

    /** What a client speaks to the listener. */
    public enum Protocol {
        /** A TCP port forward: the connection goes to one configured destination. */
        FORWARD,
        /** SOCKS5, CONNECT only, no authentication. */
        SOCKS5,
        /** An HTTP proxy: CONNECT and absolute {@code http://} requests. */
        HTTP_PROXY;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** The listen address as {@code 0.0.0.0:1080}, {@code [::]:1080}. */
    public String label() {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    @Override
    public String toString() {
        return protocol.label() + " " + label();
    }
}
