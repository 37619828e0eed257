package dev.corridor.sidecar.egress;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.io.IOException;

/**
 * Moves whatever one channel reads to its peer (bytes, or HTTP objects between two codecs), with back-pressure:
 * while the peer cannot take more (its queue is past the high water mark), this channel stops reading, and reads
 * again once the peer drains. Neither side can make the relay hold more than that. A side that ends its output
 * (a half close) has it passed on; once both have, or either side closes, the other is flushed and closed.
 */
class Relay extends ChannelInboundHandlerAdapter {
    protected final Channel peer;
    protected final FlowState flow;

    Relay(Channel peer, FlowState flow) {
        this.peer = peer;
        this.flow = flow;
    }

    /** Joins a client's connection and its destination's, both with reading held off until now. */
    static void join(Channel client, Relay toDestination, Channel destination, Relay toClient) {
        client.pipeline().addLast("relay", toDestination);
        destination.pipeline().addLast("relay", toClient);
        client.config().setAutoRead(true);
        destination.config().setAutoRead(true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        peer.write(msg, peer.voidPromise()); // past the high water mark, the peer's writability event stops this side
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // This side drained (or filled): the peer may read again (or must wait).
        peer.config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent && peer instanceof DuplexChannel duplex) {
            if (duplex.isInputShutdown()) {
                closeAfterFlush(peer); // both ways ended
                ctx.close();
            } else {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushed -> duplex.shutdownOutput());
            }
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAfterFlush(peer);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        flow.end(cause instanceof IOException ? Outcome.RESET : Outcome.BAD_REQUEST);
        ctx.close();
    }

    static void closeAfterFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
