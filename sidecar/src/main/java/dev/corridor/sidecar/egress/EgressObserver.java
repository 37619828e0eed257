package dev.corridor.sidecar.egress;

/** Where the egress listeners report their connections (the metrics). Called on the listeners' event loop: be quick. */
public interface EgressObserver {
    EgressObserver NONE = new EgressObserver() {
        @Override
        public void opened(Listener listener) {}

        @Override
        public void transferred(Listener listener, Direction direction, long bytes) {}

        @Override
        public void closed(Flow flow) {}
    };

    /** A client connected (before any check: every {@link #opened} is followed by one {@link #closed}). */
    void opened(Listener listener);

    /** Bytes moved on a client's connection, as they move. */
    void transferred(Listener listener, Direction direction, long bytes);

    void closed(Flow flow);
}
