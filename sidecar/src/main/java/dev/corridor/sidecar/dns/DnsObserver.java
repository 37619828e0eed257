package dev.corridor.sidecar.dns;

import java.time.Duration;

/** What the forwarder reports as it answers: for metrics. */
public interface DnsObserver {
    DnsObserver NONE = new DnsObserver() {
        @Override
        public void answered(DnsRoutes.Route route, String rcode, Duration took) {}

        @Override
        public void cacheHit() {}
    };

    /** A query answered: where it went, the response code, and how long the answer took. */
    void answered(DnsRoutes.Route route, String rcode, Duration took);

    void cacheHit();
}
