package dev.corridor.sidecar.egress;

import dev.corridor.sidecar.net.HostPort;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** A port forward: every connection goes to the one configured destination; a refusal closes it. */
final class ForwardHandler extends ChannelInboundHandlerAdapter {
    private final Connector connector;
    private final HostPort target;
    private final FlowState flow;

    ForwardHandler(Connector connector, HostPort target, FlowState flow) {
        this.connector = connector;
        this.target = target;
        this.flow = flow;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        connector.connect(client, target, flow).addListener(connected -> {
            if (connected.isSuccess()) {
                Channel destination = (Channel) connected.getNow();
                ctx.pipeline().remove(this);
                Relay.join(client, new Relay(destination, flow), destination, new Relay(client, flow));
            } else {
                flow.end(Connector.outcomeOf(connected.cause()));
                client.close();
            }
        });
        ctx.fireChannelActive();
    }
}
