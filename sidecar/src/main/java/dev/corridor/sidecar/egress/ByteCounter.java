package dev.corridor.sidecar.egress;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/** First in a client connection's pipeline: counts the bytes of the socket itself, protocol heads included. */
final class ByteCounter extends ChannelDuplexHandler {
    private final FlowState flow;
    private final EgressObserver observer;

    ByteCounter(FlowState flow, EgressObserver observer) {
        this.flow = flow;
        this.observer = observer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            count(Direction.FROM_CLIENT, buf.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            count(Direction.TO_CLIENT, buf.readableBytes());
        }
        ctx.write(msg, promise);
    }

    private void count(Direction direction, int bytes) {
        if (bytes > 0) {
            flow.count(direction, bytes);
            observer.transferred(flow.listener, direction, bytes);
        }
    }
}
