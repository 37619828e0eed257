package dev.corridor.sidecar.egress;

import dev.corridor.sidecar.net.HostPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/** What is known of one client connection while it lasts. Confined to the connection's event loop. */
final class FlowState {
    final Listener listener;
    final InetSocketAddress source;
    private final long started = System.nanoTime();
    private HostPort destination;
    private InetAddress address;
    private Outcome outcome;
    private long fromClient;
    private long toClient;

    FlowState(Listener listener, InetSocketAddress source) {
        this.listener = listener;
        this.source = source;
    }

    void destination(HostPort destination) {
        this.destination = destination;
    }

    /** Whether the client has said where to go (a forward knows from the start). */
    boolean requested() {
        return destination != null;
    }

    void address(InetAddress address) {
        this.address = address;
    }

    /** Records why the connection ends; the first reason given wins (a refusal, then the close it causes). */
    void end(Outcome reason) {
        if (outcome == null) {
            outcome = reason;
        }
    }

    void count(Direction direction, long bytes) {
        if (direction == Direction.FROM_CLIENT) {
            fromClient += bytes;
        } else {
            toClient += bytes;
        }
    }

    Flow closed() {
        return new Flow(
                listener,
                source,
                Optional.ofNullable(destination),
                Optional.ofNullable(address),
                fromClient,
                toClient,
                Duration.ofNanos(System.nanoTime() - started),
                outcome == null ? Outcome.COMPLETED : outcome);
    }
}
