package dev.corridor.sidecar.transport;

import java.lang.management.ManagementFactory;

/**
 * What the current thread allocates on the Java heap, as the JVM counts it (exactly, TLAB included), for the tests of
 * DEVELOPERS.md's claim that the packet path allocates nothing of its own. Every Java object takes at least 16 bytes,
 * so an allocation per packet shows as at least 16 bytes per packet.
 */
public final class AllocationMeter {
    /** Enough rounds for the JIT to compile the path (C2, with its escape analysis) before it is measured. */
    public static final int WARM_UP = 20_000;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private AllocationMeter() {}

    /** One round of the path measured: one packet. */
    @FunctionalInterface
    public interface Round {
        void run() throws Exception;
    }

    /** The bytes the current thread allocates over {@code rounds} rounds, after {@link #WARM_UP} rounds not counted. */
    public static long allocatedBytes(int rounds, Round round) throws Exception {
        if (!THREADS.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("this JVM does not count allocated bytes per thread");
        }
        THREADS.setThreadAllocatedMemoryEnabled(true);
        for (int i = 0; i < WARM_UP; i++) {
            round.run();
        }
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < rounds; i++) {
            round.run();
        }
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }
}
