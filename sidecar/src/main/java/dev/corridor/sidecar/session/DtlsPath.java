package dev.corridor.sidecar.session;

import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.transport.dtls.DtlsLink;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The DTLS half of a session. Once the session is up on CSTP, it establishes DTLS in the background; while DTLS
 * is up the data thread sends and receives over it; when it fails (DPD, an error, the gateway's alert) the data
 * falls back to CSTP without a gap, and DTLS is tried again later with a growing pause, never sooner than ocserv
 * accepts a new ClientHello for the session (it ignores one within 3 s of the last).
 *
 * <p>Only the data thread closes an established channel ({@link #usableChannel}), so that no thread ever reads
 * from a socket another thread has closed.
 */
final class DtlsPath {
    private static final Logger LOG = System.getLogger(DtlsPath.class.getName());
    static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private final DtlsSetup setup;
    private final Liveness liveness;
    private final TunnelObserver observer;
    private final Runnable wakeDataThread;
    private final DtlsConnector connector;
    private volatile DtlsLink channel;
    private volatile String pendingFailure;
    private volatile CountDownLatch released = new CountDownLatch(0);
    private volatile DtlsState state = DtlsState.CONNECTING;
    private volatile String lastError = "";
    private volatile boolean stopped;
    private Thread manager;

    /**
     * @param liveness       stamped by the data path as packets cross DTLS; reset here when a channel comes up
     * @param wakeDataThread makes the data thread look at this path again (to close a failed channel)
     */
    DtlsPath(
            DtlsSetup setup,
            Liveness liveness,
            Runnable wakeDataThread,
            TunnelObserver observer,
            DtlsConnector connector) {
        this.observer = observer;
        this.connector = connector;
        this.setup = setup;
        this.liveness = liveness;
        this.wakeDataThread = wakeDataThread;
    }

    /**
     * A platform thread: the handshake waits for the gateway's answers in poll(2), which would pin a virtual thread's
     * carrier, and with one CPU the HTTP probes' virtual threads would wait through every retransmission timeout.
     */
    void start() {
        manager = Thread.ofPlatform().name("dtls").daemon().start(this::run);
    }

    /**
     * The channel to use, or null while DTLS is not up. Called by the data thread once per round: it closes a
     * channel that has failed since the last round.
     */
    DtlsLink usableChannel() {
        DtlsLink current = channel;
        if (current == null || pendingFailure == null) {
            return current; // no lock on the way of every round
        }
        synchronized (this) {
            String failure = pendingFailure;
            LOG.log(Level.WARNING, "DTLS is down, carrying data over CSTP: {0}", failure);
            lastError = failure;
            pendingFailure = null;
            closeChannel();
            released.countDown();
            return null;
        }
    }

    /** The channel for control packets from other threads (DPD, keepalive), or null. */
    DtlsLink channel() {
        return channel;
    }

    /** {@link DtlsState#CONNECTING}, {@link DtlsState#UP} or {@link DtlsState#DOWN}. */
    DtlsState state() {
        return state;
    }

    String lastError() {
        return lastError;
    }

    DtlsSetup setup() {
        return setup;
    }

    /**
     * Takes DTLS down (DPD found it dead, a send or receive failed); the data goes over CSTP until a retry succeeds.
     * Under the lock the data thread takes to close a failed channel, so that a failure never outlives its channel
     * and closes the next one.
     */
    synchronized void fail(String reason) {
        if (channel != null && pendingFailure == null) {
            pendingFailure = reason;
            wakeDataThread.run();
        }
    }

    /** Ends DTLS for good. Call after the data thread has stopped. */
    void stop() {
        stopped = true;
        closeChannel();
        released.countDown();
        connector.abort();
        if (manager != null) {
            manager.interrupt();
            try {
                manager.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Closes the channel, if there is one, exactly once: both {@link #stop} and the manager, which may have put a
     * channel in place after {@code stop} looked, call it.
     */
    private synchronized void closeChannel() {
        DtlsLink current = channel;
        if (current != null) {
            channel = null;
            current.close();
        }
    }

    private void run() {
        try {
            establishWhileRunning();
        } finally {
            if (stopped) {
                closeChannel();
            }
        }
    }

    private void establishWhileRunning() {
        Duration pause = FIRST_RETRY;
        while (!stopped) {
            state = DtlsState.CONNECTING;
            long started = System.nanoTime();
            try {
                DtlsLink established = connector.connect(setup);
                if (stopped) {
                    established.close();
                    return;
                }
                observer.phaseCompleted(TunnelObserver.Phase.DTLS, Duration.ofNanos(System.nanoTime() - started));
                LOG.log(
                        Level.INFO,
                        "DTLS up ({0} mode, {1} over {2}) in {3} ms; data now goes over DTLS",
                        setup.request().mode().label(),
                        setup.request().cipher().openConnectName(),
                        established.suite().protocol().label(),
                        String.valueOf((System.nanoTime() - started) / 1_000_000));
                CountDownLatch whileUp = new CountDownLatch(1);
                released = whileUp;
                liveness.reset();
                channel = established;
                state = DtlsState.UP;
                whileUp.await();
                pause = FIRST_RETRY;
            } catch (InterruptedException e) {
                return;
            } catch (IOException | OsException | RuntimeException e) {
                if (stopped) {
                    return;
                }
                lastError = "DTLS handshake failed: " + e.getMessage();
                LOG.log(
                        Level.WARNING,
                        "{0}; staying on CSTP, next attempt in {1} s",
                        lastError,
                        String.valueOf(pause.toSeconds()));
            }
            state = DtlsState.DOWN;
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
            pause = pause.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : pause.multipliedBy(2);
        }
    }
}
