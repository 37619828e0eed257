package dev.corridor.sidecar.egress;

import dev.corridor.sidecar.net.HostPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * One closed egress connection, for the flow log and the metrics: which client used which listener to reach what.
 *
 * @param destination what the client asked for (a forward's target, a SOCKS or HTTP request), once known
 * @param address     the address the destination's name resolved to, once chosen
 * @param fromClient  bytes received from the client (protocol heads included)
 * @param toClient    bytes sent to the client (protocol replies included)
 */
public record Flow(
        Listener listener,
        InetSocketAddress source,
        Optional<HostPort> destination,
        Optional<InetAddress> address,
        long fromClient,
        long toClient,
        Duration duration,
        Outcome outcome) {

    /** One line of {@code key=value} pairs: what a log pipeline parses without a schema. */
    public String logLine() {
        return "egress flow listener=" + listener.protocol().label() + "/" + listener.label()
                + " source=" + endpoint(source.getAddress(), source.getPort())
                + " destination=" + destination.map(HostPort::toString).orElse("-")
                + " address=" + address.map(InetAddress::getHostAddress).orElse("-")
                + " from_client=" + fromClient + " to_client=" + toClient
                + " duration_ms=" + duration.toMillis() + " outcome=" + outcome.label();
    }

    private static String endpoint(InetAddress address, int port) {
        String host = address.getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
