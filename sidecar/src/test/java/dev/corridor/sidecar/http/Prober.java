package dev.corridor.sidecar.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The kubelet: {@code /healthz} and {@code /readyz} in turn every 100 ms, on a platform thread of its own. */
final class Prober {
    private static final Duration PERIOD = Duration.ofMillis(100);

    /** One probe: the status (0 if none came) and how long the answer took, or why it failed. */
    record Probe(String path, int status, Duration took, String failure) {}

    private final List<Probe> probes = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean running = true;

    private Prober(InetSocketAddress server) {
        thread = Thread.ofPlatform().daemon().name("test-prober").unstarted(() -> {
            for (int i = 0; running; i++) {
                String path = i % 2 == 0 ? "/healthz" : "/readyz";
                long start = System.nanoTime();
                try {
                    HttpCall call = HttpCall.get(server, path);
                    probes.add(new Probe(
                            path,
                            call.status(),
                            call.took(),
                            call.status() == 0 ? "no status line: " + call.head() : ""));
                } catch (IOException e) {
                    probes.add(new Probe(path, 0, Duration.ofNanos(System.nanoTime() - start), e.toString()));
                }
                try {
                    Thread.sleep(PERIOD);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    static Prober start(InetSocketAddress server) {
        Prober prober = new Prober(server);
        prober.thread.start();
        return prober;
    }

    /** Stops probing, once the probe under way has ended. */
    void stop() {
        running = false;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every probe so far. */
    List<Probe> probes() {
        synchronized (probes) {
            return List.copyOf(probes);
        }
    }

    Duration slowest() {
        return probes().stream().map(Probe::took).max(Duration::compareTo).orElse(Duration.ZERO);
    }
}
