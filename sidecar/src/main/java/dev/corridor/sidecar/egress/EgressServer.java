package dev.corridor.sidecar.egress;

import dev.corridor.sidecar.config.EgressConfig;
import dev.corridor.sidecar.session.TunnelStatus;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The egress listeners: port forwards, a SOCKS5 proxy and an HTTP proxy that carry other pods' TCP connections into
 * the tunnel. Their connections to destinations are ordinary sockets: the kernel's routes send them into the tun
 * device like any traffic of the pod. Non-blocking on one event-loop thread (the data plane has its own); names
 * resolve on virtual threads. Each closed connection writes one flow log line.
 */
public final class EgressServer implements AutoCloseable {
    private static final Logger FLOWS = System.getLogger("dev.corridor.sidecar.egress.flow");

    private final EventLoopGroup group;
    private final ExecutorService resolving;
    private final List<Channel> listening;

    private EgressServer(EventLoopGroup group, ExecutorService resolving, List<Channel> listening) {
        this.group = group;
        this.resolving = resolving;
        this.listening = List.copyOf(listening);
    }

    /**
     * Opens every configured listener.
     *
     * @param tunnel the tunnel's status now: whether the session is up, and its routes
     * @throws IOException naming the listener that cannot listen
     */
    public static EgressServer start(
            EgressConfig config,
            EgressLimits limits,
            Supplier<TunnelStatus> tunnel,
            NameResolver resolver,
            EgressObserver observer)
            throws IOException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                1, Thread.ofPlatform().name("egress").daemon().factory(), NioIoHandler.newFactory());
        ExecutorService resolving = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("egress-dns-", 0).factory());
        Connector connector = new Connector(tunnel, resolver, resolving, limits);
        SourcePolicy sources = new SourcePolicy(config.allowedSources());
        AtomicInteger connections = new AtomicInteger();
        // Each listener with what its protocol adds to an admitted client's pipeline, in the order configured.
        List<Map.Entry<Listener, Protocol>> listeners = new ArrayList<>();
        for (EgressConfig.Forward forward : config.forwards()) {
            listeners.add(Map.entry(
                    new Listener(Listener.Protocol.FORWARD, forward.listen()),
                    (channel, flow) -> channel.pipeline()
                            .addLast("forward", new ForwardHandler(connector, forward.target(), flow))));
        }
        config.socks5()
                .ifPresent(address -> listeners.add(Map.entry(
                        new Listener(Listener.Protocol.SOCKS5, address),
                        (channel, flow) -> Socks5Handler.install(channel, connector, flow))));
        config.httpProxy()
                .ifPresent(address -> listeners.add(Map.entry(
                        new Listener(Listener.Protocol.HTTP_PROXY, address),
                        (channel, flow) -> HttpProxyHandler.install(channel, connector, flow))));
        List<Channel> listening = new ArrayList<>();
        try {
            for (Map.Entry<Listener, Protocol> listener : listeners) {
                listening.add(bind(
                        group,
                        listener.getKey(),
                        new Accepting(
                                listener.getKey(),
                                sources,
                                connector,
                                limits,
                                connections,
                                observer,
                                listener.getValue())));
            }
        } catch (IOException e) {
            new EgressServer(group, resolving, listening).close();
            throw e;
        }
        return new EgressServer(group, resolving, listening);
    }

    private static Channel bind(EventLoopGroup group, Listener listener, Accepting accepting) throws IOException {
        try {
            return new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 256)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(
                            ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(accepting.limits.lowWaterMark(), accepting.limits.highWaterMark()))
                    .childHandler(accepting)
                    .bind(listener.address())
                    .sync()
                    .channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening " + listener, e);
        } catch (Exception e) { // bind failures arrive as the socket's own exceptions, undeclared
            throw new IOException("cannot listen for " + listener + ": " + e.getMessage(), e);
        }
    }

    /** Where the listeners listen, in the order configured (forwards, SOCKS5, HTTP proxy): with the ports bound. */
    public List<InetSocketAddress> addresses() {
        return listening.stream()
                .map(channel -> (InetSocketAddress) channel.localAddress())
                .toList();
    }

    @Override
    public void close() {
        listening.forEach(Channel::close);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        resolving.shutdownNow();
    }

    /** What a listener's protocol adds to a client's pipeline once the connection is admitted. */
    @FunctionalInterface
    private interface Protocol {
        void install(SocketChannel channel, FlowState flow);
    }

    /** Admits a client (allowed source, room for it, session up), or closes it at once; reports it when it closes. */
    @ChannelHandler.Sharable
    private static final class Accepting extends ChannelInitializer<SocketChannel> {
        private final Listener listener;
        private final SourcePolicy sources;
        private final Connector connector;
        private final EgressLimits limits;
        private final AtomicInteger connections;
        private final EgressObserver observer;
        private final Protocol protocol;

        Accepting(
                Listener listener,
                SourcePolicy sources,
                Connector connector,
                EgressLimits limits,
                AtomicInteger connections,
                EgressObserver observer,
                Protocol protocol) {
            this.listener = listener;
            this.sources = sources;
            this.connector = connector;
            this.limits = limits;
            this.connections = connections;
            this.observer = observer;
            this.protocol = protocol;
        }

        @Override
        protected void initChannel(SocketChannel channel) {
            FlowState flow = new FlowState(listener, channel.remoteAddress());
            observer.opened(listener);
            int open = connections.incrementAndGet();
            channel.closeFuture().addListener(closed -> {
                connections.decrementAndGet();
                Flow done = flow.closed();
                FLOWS.log(Level.INFO, done.logLine());
                observer.closed(done);
            });
            if (!sources.allows(channel.remoteAddress().getAddress())) {
                reject(channel, flow, Outcome.SOURCE_NOT_ALLOWED);
            } else if (open > limits.maxConnections()) {
                reject(channel, flow, Outcome.TOO_MANY_CONNECTIONS);
            } else if (!connector.tunnelUp()) {
                reject(channel, flow, Outcome.TUNNEL_DOWN);
            } else {
                channel.pipeline().addLast("bytes", new ByteCounter(flow, observer));
                channel.pipeline()
                        .addLast(
                                "idle",
                                new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
                channel.pipeline().addLast("timeouts", new Timeouts(flow));
                protocol.install(channel, flow);
                if (listener.protocol() != Listener.Protocol.FORWARD) {
                    var deadline = channel.eventLoop()
                            .schedule(
                                    () -> {
                                        if (!flow.requested()) {
                                            flow.end(Outcome.BAD_REQUEST);
                                            channel.close();
                                        }
                                    },
                                    limits.requestTimeout().toMillis(),
                                    TimeUnit.MILLISECONDS);
                    channel.closeFuture().addListener(closed -> deadline.cancel(false));
                    channel.config().setAutoRead(true);
                }
            }
        }

        /** Closed with a reset, not a FIN: the client sees the refusal at once and nothing waits in TIME_WAIT here. */
        private static void reject(SocketChannel channel, FlowState flow, Outcome outcome) {
            flow.end(outcome);
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
            channel.close();
        }
    }

    /** Closes a connection idle for the idle timeout. */
    private static final class Timeouts extends ChannelInboundHandlerAdapter {
        private final FlowState flow;

        Timeouts(FlowState flow) {
            this.flow = flow;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent idle && idle.state() == IdleState.ALL_IDLE) {
                flow.end(Outcome.IDLE_TIMEOUT);
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(event);
        }
    }
}
