package dev.corridor.sidecar.egress;

import dev.corridor.sidecar.net.HostPort;
import dev.corridor.sidecar.net.Ip;
import dev.corridor.sidecar.session.TunnelStatus;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * Opens the connection to a destination for a client, after the checks: the session is up, the name resolves
 * through the tunnel's DNS, and the address is in a network routed through the tunnel. The new channel does not
 * read until it is joined to the client's ({@link Relay#join}).
 */
final class Connector {
    private final Supplier<TunnelStatus> tunnel;
    private final NameResolver resolver;
    private final ExecutorService resolving;
    private final EgressLimits limits;

    Connector(Supplier<TunnelStatus> tunnel, NameResolver resolver, ExecutorService resolving, EgressLimits limits) {
        this.tunnel = tunnel;
        this.resolver = resolver;
        this.resolving = resolving;
        this.limits = limits;
    }

    /** Whether the session is up now: connections arriving while it is not are refused at once. */
    boolean tunnelUp() {
        return tunnel.get().ready();
    }

    /** The outcome a failed {@link #connect} stands for. */
    static Outcome outcomeOf(Throwable failure) {
        return failure instanceof Refusal refusal ? refusal.outcome : Outcome.CONNECT_FAILED;
    }

    /** The destination's channel, on the client's event loop; fails with a {@link Refusal}. */
    Promise<Channel> connect(Channel client, HostPort destination, FlowState flow) {
        Promise<Channel> result = client.eventLoop().newPromise();
        flow.destination(destination);
        TunnelStatus status = tunnel.get();
        if (!status.ready()) {
            return result.setFailure(new Refusal(Outcome.TUNNEL_DOWN, "the VPN session is down"));
        }
        DestinationPolicy policy = DestinationPolicy.of(status);
        if (destination.isLiteral()) {
            connect(client, policy, destination, List.of(Ip.parseAddress(destination.host())), flow, result);
            return result;
        }
        resolving.execute(() -> {
            List<InetAddress> addresses;
            try {
                addresses = resolver.resolve(destination.host());
            } catch (IOException e) {
                client.eventLoop()
                        .execute(() -> result.tryFailure(new Refusal(
                                Outcome.NAME_NOT_RESOLVED,
                                "cannot resolve " + destination.host() + " through the VPN's DNS: " + e.getMessage())));
                return;
            }
            client.eventLoop().execute(() -> connect(client, policy, destination, addresses, flow, result));
        });
        return result;
    }

    private void connect(
            Channel client,
            DestinationPolicy policy,
            HostPort destination,
            List<InetAddress> addresses,
            FlowState flow,
            Promise<Channel> result) {
        if (addresses.isEmpty()) {
            result.tryFailure(new Refusal(Outcome.NAME_NOT_RESOLVED, destination.host() + " has no address"));
            return;
        }
        InetAddress address =
                addresses.stream().filter(policy::allows).findFirst().orElse(null);
        if (address == null) {
            String which = destination.isLiteral()
                    ? destination.host()
                    : destination.host() + " ("
                            + String.join(
                                    ", ",
                                    addresses.stream()
                                            .map(InetAddress::getHostAddress)
                                            .toList()) + ")";
            result.tryFailure(
                    new Refusal(Outcome.NOT_ROUTED, which + " is not in a network routed through the VPN tunnel"));
            return;
        }
        flow.address(address);
        if (!client.isActive()) {
            result.tryFailure(new Refusal(Outcome.COMPLETED, "the client left"));
            return;
        }
        new Bootstrap()
                .group(client.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        limits.connectTimeout().toMillis())
                .option(
                        ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(limits.lowWaterMark(), limits.highWaterMark()))
                .handler(new ChannelInboundHandlerAdapter())
                .connect(address, destination.port())
                .addListener(connected -> {
                    Channel channel = ((ChannelFuture) connected).channel();
                    if (!connected.isSuccess()) {
                        Throwable cause = connected.cause();
                        result.tryFailure(
                                cause instanceof ConnectTimeoutException
                                        ? new Refusal(
                                                Outcome.CONNECT_TIMEOUT,
                                                destination + " did not answer within "
                                                        + limits.connectTimeout()
                                                                .toSeconds() + " s")
                                        : new Refusal(
                                                Outcome.CONNECT_FAILED,
                                                "cannot connect to " + destination + ": " + cause.getMessage()));
                    } else if (!client.isActive()) {
                        channel.close();
                        result.tryFailure(new Refusal(Outcome.COMPLETED, "the client left"));
                    } else {
                        result.trySuccess(channel);
                    }
                });
    }
}
