package dev.corridor.sidecar.egress;

import dev.corridor.sidecar.net.HostPort;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP proxy: {@code CONNECT host:port} opens a byte tunnel (HTTPS through {@code HTTPS_PROXY}); an absolute
 * {@code http://} request is sent on to its server in origin form, and its response back, one request per client
 * connection ({@code Connection: close}). Refusals answer with a status and the reason as plain text: 403 for a
 * destination outside the tunnel's networks, 503 while the session is down, 502 or 504 when the destination cannot
 * be reached, 400 for anything that is not a proxy request.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    static final String CODEC = "http-codec";
    /** Request heads beyond these bounds are refused (400): a proxy request is a line and a few headers. */
    private static final int MAX_INITIAL_LINE = 8192;

    private static final int MAX_HEADERS = 16 * 1024;

    private final Connector connector;
    private final FlowState flow;
    /** The request and the parts of its body read before the destination's connection is up. */
    private final List<HttpObject> pending = new ArrayList<>();

    private boolean connecting;

    HttpProxyHandler(Connector connector, FlowState flow) {
        this.connector = connector;
        this.flow = flow;
    }

    static void install(Channel channel, Connector connector, FlowState flow) {
        channel.pipeline().addLast(CODEC, new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADERS, 8192));
        channel.pipeline().addLast("http-proxy", new HttpProxyHandler(connector, flow));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (connecting) {
            // The rest of the request's body that came with its head; reading stopped there until the destination
            // answers.
            pending.add((HttpObject) msg);
            return;
        }
        if (!(msg instanceof HttpRequest request)) {
            ReferenceCountUtil.release(msg);
            return; // the rest of a request already answered
        }
        if (request.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            refuse(
                    ctx,
                    Outcome.BAD_REQUEST,
                    HttpResponseStatus.BAD_REQUEST,
                    "malformed request: " + request.decoderResult().cause().getMessage());
            return;
        }
        if (request.method().equals(HttpMethod.CONNECT)) {
            ReferenceCountUtil.release(msg);
            HostPort destination;
            try {
                destination = HostPort.parse(request.uri());
            } catch (IllegalArgumentException e) {
                refuse(ctx, Outcome.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST, "CONNECT target " + e.getMessage());
                return;
            }
            ctx.channel().config().setAutoRead(false);
            connecting = true;
            tunnel(ctx, destination);
            return;
        }
        HostPort destination;
        try {
            destination = originForm(request);
        } catch (IllegalArgumentException e) {
            ReferenceCountUtil.release(msg);
            refuse(ctx, Outcome.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        ctx.channel().config().setAutoRead(false);
        connecting = true;
        pending.add(request);
        forward(ctx, destination);
    }

    /**
     * Turns an absolute-form request ({@code GET http://host:port/path}) into the origin form its server expects,
     * without the proxy's own headers, and returns where it goes.
     */
    static HostPort originForm(HttpRequest request) {
        URI uri;
        try {
            uri = new URI(request.uri());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + request.uri() + "' is not a URI");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "'" + request.uri() + "' is not a proxy request: expected CONNECT host:port, "
                            + "or an absolute http:// URI (https goes through CONNECT)");
        }
        String host = uri.getHost().startsWith("[")
                ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        HostPort destination = new HostPort(host, uri.getPort() < 0 ? 80 : uri.getPort());
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        request.setUri(uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery());
        if (!request.headers().contains(HttpHeaderNames.HOST)) {
            request.headers().set(HttpHeaderNames.HOST, uri.getRawAuthority());
        }
        request.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        request.headers().remove("Proxy-Connection");
        request.headers().remove(HttpHeaderNames.KEEP_ALIVE);
        request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return destination;
    }

    private void tunnel(ChannelHandlerContext ctx, HostPort destination) {
        Channel client = ctx.channel();
        connector.connect(client, destination, flow).addListener(connected -> {
            if (!connected.isSuccess()) {
                refuse(ctx, (Refusal) connected.cause());
                return;
            }
            Channel channel = (Channel) connected.getNow();
            FullHttpResponse established = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, new HttpResponseStatus(200, "Connection established"));
            ctx.writeAndFlush(established).addListener(written -> {
                if (!written.isSuccess()) {
                    channel.close();
                    return;
                }
                ctx.pipeline().remove(CODEC);
                ctx.pipeline().remove(this);
                Relay.join(client, new Relay(channel, flow), channel, new Relay(client, flow));
            });
        });
    }

    private void forward(ChannelHandlerContext ctx, HostPort destination) {
        Channel client = ctx.channel();
        connector.connect(client, destination, flow).addListener(connected -> {
            if (!connected.isSuccess()) {
                pending.forEach(ReferenceCountUtil::release);
                pending.clear();
                refuse(ctx, (Refusal) connected.cause());
                return;
            }
            Channel channel = (Channel) connected.getNow();
            channel.pipeline().addLast("http-codec", new HttpClientCodec());
            pending.forEach(part -> channel.write(part, channel.voidPromise()));
            pending.clear();
            channel.flush();
            ctx.pipeline().remove(this);
            Relay.join(client, new Relay(channel, flow), channel, new ResponseRelay(client, flow));
        });
    }

    private void refuse(ChannelHandlerContext ctx, Refusal refusal) {
        HttpResponseStatus status = switch (refusal.outcome) {
            case NOT_ROUTED -> HttpResponseStatus.FORBIDDEN;
            case TUNNEL_DOWN -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            case CONNECT_TIMEOUT -> HttpResponseStatus.GATEWAY_TIMEOUT;
            default -> HttpResponseStatus.BAD_GATEWAY;
        };
        refuse(ctx, refusal.outcome, status, refusal.getMessage());
    }

    private void refuse(ChannelHandlerContext ctx, Outcome outcome, HttpResponseStatus status, String reason) {
        flow.end(outcome);
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                status,
                Unpooled.copiedBuffer("corridor egress: " + reason + "\n", StandardCharsets.UTF_8));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pending.forEach(ReferenceCountUtil::release);
        pending.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        flow.end(cause instanceof IOException ? Outcome.RESET : Outcome.BAD_REQUEST);
        ctx.close();
    }

    /** The server's response to the client, marked {@code Connection: close}; the client's connection ends after it. */
    private static final class ResponseRelay extends Relay {
        private boolean informational;

        ResponseRelay(Channel client, FlowState flow) {
            super(client, flow);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpResponse response) {
                informational = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            if (msg instanceof LastHttpContent && !informational) {
                peer.writeAndFlush(msg).addListener(ChannelFutureListener.CLOSE);
                ctx.close();
                return;
            }
            super.channelRead(ctx, msg);
        }
    }
}
