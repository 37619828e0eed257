package dev.corridor.sidecar.os;

/** What the FFM downcalls of the sidecar share. */
public final class Downcalls {
    private Downcalls() {}

    /**
     * What a failed {@code invokeExact} of a downcall handle threw, to rethrow unchecked: a downcall throws no checked
     * exception, so anything else is the JDK's own error.
     */
    public static RuntimeException unchecked(Throwable t) {
        return switch (t) {
            case RuntimeException r -> r;
            case Error e -> throw e;
            default -> new IllegalStateException(t);
        };
    }
}
