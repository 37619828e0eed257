package dev.corridor.sidecar.session;

import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.PacketDevice;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * The kill switch's other half. While no session runs, the tunnel's routes stay on the tun device, so nothing the
 * pod sends to the corporate networks can leave around the tunnel; this reads those packets and drops them,
 * counted, so that the pod's sockets see loss (and retransmit into the restored tunnel) rather than a stalled queue.
 */
final class OutageDrain implements AutoCloseable {
    private static final Logger LOG = System.getLogger(OutageDrain.class.getName());

    private final PacketDevice tun;
    private final Counter dropped;
    private final Thread thread;
    private volatile boolean stopped;

    private OutageDrain(PacketDevice tun, Counter dropped) {
        this.tun = tun;
        this.dropped = dropped;
        // A platform thread: it blocks in poll(2), which would pin a virtual thread's carrier.
        this.thread = Thread.ofPlatform().name("outage-drain").daemon().unstarted(this::drain);
    }

    static OutageDrain start(PacketDevice tun, Counter dropped) {
        OutageDrain drain = new OutageDrain(tun, dropped);
        drain.thread.start();
        return drain;
    }

    private void drain() {
        byte[] packet = new byte[65536];
        try {
            while (!stopped) {
                if (tun.awaitReadable(-1)) {
                    while (!stopped && tun.read(packet, 0, packet.length) > 0) {
                        dropped.add(1);
                    }
                }
            }
        } catch (OsException e) {
            LOG.log(Level.WARNING, "draining the tun device while the tunnel is down failed: {0}", e.getMessage());
        }
    }

    /** Stops draining; the data plane of the next session reads the device from here on. */
    @Override
    public void close() {
        stopped = true;
        tun.wakeup();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
