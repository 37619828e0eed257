package dev.corridor.sidecar.egress;

import dev.corridor.sidecar.net.HostPort;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5InitialResponse;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequest;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5Message;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * A SOCKS5 server (RFC 1928): no authentication, CONNECT only. Each refusal has its reply: 0x02 "not allowed by
 * ruleset" for a destination outside the tunnel's networks, 0x03 "network unreachable" while the session is down,
 * 0x04 "host unreachable" for a name that does not resolve or a destination that does not answer, 0x05 "connection
 * refused", 0x07 "command not supported".
 */
final class Socks5Handler extends SimpleChannelInboundHandler<Socks5Message> {
    static final String ENCODER = "socks5-encoder";
    static final String DECODER = "socks5-decoder";

    private final Connector connector;
    private final FlowState flow;

    Socks5Handler(Connector connector, FlowState flow) {
        this.connector = connector;
        this.flow = flow;
    }

    static void install(Channel channel, Connector connector, FlowState flow) {
        channel.pipeline().addLast(ENCODER, Socks5ServerEncoder.DEFAULT);
        channel.pipeline().addLast(DECODER, new Socks5InitialRequestDecoder());
        channel.pipeline().addLast("socks5", new Socks5Handler(connector, flow));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Socks5Message message) {
        if (message.decoderResult().isFailure()) {
            refuse(ctx, Outcome.BAD_REQUEST);
        } else if (message instanceof Socks5InitialRequest initial) {
            if (!initial.authMethods().contains(Socks5AuthMethod.NO_AUTH)) {
                ctx.writeAndFlush(new DefaultSocks5InitialResponse(Socks5AuthMethod.UNACCEPTED))
                        .addListener(ChannelFutureListener.CLOSE);
                flow.end(Outcome.BAD_REQUEST);
                return;
            }
            ctx.pipeline().replace(DECODER, DECODER, new Socks5CommandRequestDecoder());
            ctx.writeAndFlush(new DefaultSocks5InitialResponse(Socks5AuthMethod.NO_AUTH));
        } else if (message instanceof Socks5CommandRequest request) {
            if (!Socks5CommandType.CONNECT.equals(request.type())) {
                flow.end(Outcome.BAD_REQUEST);
                reply(ctx, Socks5CommandStatus.COMMAND_UNSUPPORTED).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            HostPort destination;
            try {
                destination = new HostPort(request.dstAddr(), request.dstPort());
            } catch (IllegalArgumentException e) {
                flow.end(Outcome.BAD_REQUEST);
                reply(ctx, Socks5CommandStatus.ADDRESS_UNSUPPORTED).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.channel().config().setAutoRead(false);
            connect(ctx, destination);
        } else {
            refuse(ctx, Outcome.BAD_REQUEST);
        }
    }

    private void connect(ChannelHandlerContext ctx, HostPort destination) {
        Channel client = ctx.channel();
        connector.connect(client, destination, flow).addListener(connected -> {
            if (!connected.isSuccess()) {
                Outcome outcome = Connector.outcomeOf(connected.cause());
                flow.end(outcome);
                reply(ctx, status(outcome)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            Channel channel = (Channel) connected.getNow();
            InetSocketAddress bound = (InetSocketAddress) channel.localAddress();
            Socks5AddressType type =
                    bound.getAddress() instanceof Inet4Address ? Socks5AddressType.IPv4 : Socks5AddressType.IPv6;
            ctx.writeAndFlush(new DefaultSocks5CommandResponse(
                            Socks5CommandStatus.SUCCESS,
                            type,
                            bound.getAddress().getHostAddress(),
                            bound.getPort()))
                    .addListener(written -> {
                        if (!written.isSuccess()) {
                            channel.close();
                            return;
                        }
                        ctx.pipeline().remove(ENCODER);
                        ctx.pipeline().remove(DECODER);
                        ctx.pipeline().remove(this);
                        Relay.join(client, new Relay(channel, flow), channel, new Relay(client, flow));
                    });
        });
    }

    private static Socks5CommandStatus status(Outcome outcome) {
        return switch (outcome) {
            case NOT_ROUTED -> Socks5CommandStatus.FORBIDDEN; // 0x02: connection not allowed by ruleset
            case TUNNEL_DOWN -> Socks5CommandStatus.NETWORK_UNREACHABLE;
            case NAME_NOT_RESOLVED, CONNECT_TIMEOUT -> Socks5CommandStatus.HOST_UNREACHABLE;
            case CONNECT_FAILED -> Socks5CommandStatus.CONNECTION_REFUSED;
            default -> Socks5CommandStatus.FAILURE;
        };
    }

    private static ChannelFuture reply(ChannelHandlerContext ctx, Socks5CommandStatus status) {
        return ctx.writeAndFlush(new DefaultSocks5CommandResponse(status, Socks5AddressType.IPv4, "0.0.0.0", 0));
    }

    private void refuse(ChannelHandlerContext ctx, Outcome outcome) {
        flow.end(outcome);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        refuse(ctx, cause instanceof IOException ? Outcome.RESET : Outcome.BAD_REQUEST);
    }
}
