package dev.corridor.sidecar.session;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A counter with exactly one writing thread and any number of readers. The data path bumps these per
 * packet, so an increment is a plain load and an opaque store: no lock, no atomic read-modify-write.
 */
public final class Counter {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(Counter.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through VALUE
    private long value;

    /** Only ever called from the counter's one writing thread. */
    public void add(long amount) {
        VALUE.setOpaque(this, (long) VALUE.getOpaque(this) + amount);
    }

    public long get() {
        return (long) VALUE.getOpaque(this);
    }
}
