package dev.corridor.sidecar.session;

import dev.corridor.sidecar.transport.dtls.DtlsLink;

/**
 * What the fakes share in place of poll(2): anything that arrives (a packet for the data plane, a wakeup) raises a
 * flag, and the data thread's wait returns once it is raised, lowering it. A flag raised while nobody waits makes
 * the next wait return at once, as the eventfd does for the real poller.
 */
final class FakeWire implements DataWait {
    private boolean raised;
    private boolean cstpReadable;

    synchronized void raise() {
        raised = true;
        notifyAll();
    }

    /** Raises the flag for something that arrived on CSTP, which the next wait then reports as readable. */
    synchronized void raiseCstp() {
        cstpReadable = true;
        raise();
    }

    @Override
    public synchronized boolean await(DtlsLink dtls, boolean cstpBacklog) {
        while (!raised) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        raised = false;
        boolean readable = cstpReadable;
        cstpReadable = false;
        return readable;
    }
}
