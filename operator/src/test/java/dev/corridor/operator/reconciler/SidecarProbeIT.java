package dev.corridor.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.PodInjector;
import dev.corridor.operator.model.SidecarLayout;
import dev.corridor.operator.model.TunnelStatusModel.PodObservation;
import dev.corridor.operator.model.TunnelStatusModel.SidecarReport;
import dev.corridor.operator.testing.FakeSidecar;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The operator reading sidecars' /status from pods whose authors may be hostile: a pod labelled for the tunnel may
 * carry anything under the sidecar's name. Each sidecar here listens where a pod would, on a loopback address of its
 * own at the sidecar's port; the probe must come back within its timeout having read a bounded amount, and ask only
 * sidecars the webhook injected, with the tunnel's token. (The class timeout turns a probe that reads forever into a
 * failure rather than a hung build.)
 */
@Timeout(60)
class SidecarProbeIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final InjectionSettings INJECTION = new InjectionSettings(
            "corridor/sidecar:test",
            "IfNotPresent",
            InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH,
            new ResourceRequirements(),
            AllowedImages.NONE);
    private static final VpnTunnel TUNNEL = Fixtures.tunnel("corp", "vpn-login");
    private static final String TOKEN = "c3RhdHVzLXRva2VuLWZvci10aGUtdGVzdHMtb2YtdGhlLXByb2Jl";

    private final TestClock clock = new TestClock();
    private final SidecarProbe probe = new SidecarProbe(INJECTION, TIMEOUT, clock);

    @Test
    void aThousandPodsAreEachReadOncePerIntervalHoweverManyEventsTheyCause() throws Exception {
        try (FakeSidecar sidecar =
                new FakeSidecar("connected", "dtls", "192.168.100.10", "2026-11-22T06:00:00Z", () -> TOKEN)) {
            // A Deployment of 1,000 tunnelled pods: every one of them starting is an event that observes them all.
            // A deadline generous enough for a loaded machine: this test counts reads, it does not time them.
            SidecarProbe patient = new SidecarProbe(INJECTION, Duration.ofSeconds(20), clock);
            List<Pod> pods = IntStream.range(0, 1000)
                    .mapToObj(i -> withUid(injected("web-" + i, sidecar.podIp()), "uid-" + i))
                    .toList();

            for (int event = 0; event < 5; event++) {
                assertThat(patient.observe(TUNNEL, pods, Optional.of(TOKEN)))
                        .allSatisfy(o -> assertThat(o.report()).isPresent());
            }
            assertThat(sidecar.requests())
                    .as("reads for 5 observations within the interval")
                    .isEqualTo(1000);

            Pod turnedNotReady = running(pods.get(7), sidecar.podIp(), false);
            patient.observe(TUNNEL, List.of(turnedNotReady), Optional.of(TOKEN));
            assertThat(sidecar.requests())
                    .as("a pod whose readiness changed is read again at once")
                    .isEqualTo(1001);

            clock.advance(SidecarProbe.READ_INTERVAL);
            patient.observe(TUNNEL, pods, Optional.of(TOKEN));
            assertThat(sidecar.requests())
                    .as("after the interval, every pod once more")
                    .isEqualTo(2001);
        }
    }

    @Test
    void anInjectedSidecarIsAskedWithTheTunnelsToken() throws Exception {
        try (FakeSidecar sidecar =
                new FakeSidecar("connected", "dtls", "192.168.100.10", "2026-11-22T06:00:00Z", () -> TOKEN)) {
            PodObservation observed = observe(injected("web-1", sidecar.podIp()));

            assertThat(observed.report())
                    .contains(new SidecarReport(
                            "connected", "dtls", "192.168.100.10", "2026-11-22T06:00:00Z", List.of()));
            // Without the token (its Secret is someone else's), the pod is judged by its readiness alone and not asked.
            assertThat(probe.observe(TUNNEL, List.of(injected("web-1", sidecar.podIp())), Optional.empty())
                            .getFirst()
                            .report())
                    .isEmpty();
            assertThat(sidecar.requests()).isEqualTo(1);
        }
    }

    @Test
    void aContainerThatOnlyHasTheSidecarsNameIsNotAsked() throws Exception {
        try (FakeSidecar impostor =
                new FakeSidecar("connected", "dtls", "10.0.0.1", "2026-11-22T06:00:00Z", () -> TOKEN)) {
            Pod pod = new PodBuilder(Fixtures.annotatedPod("web-1", "corp"))
                    .editMetadata()
                    .addToLabels(SidecarLayout.TUNNEL_LABEL, "corp")
                    .endMetadata()
                    .editSpec()
                    .addNewInitContainer()
                    .withName(SidecarLayout.CONTAINER_NAME)
                    .withImage("registry.example.test/status-streamer:1")
                    .withRestartPolicy("Always")
                    .addNewPort()
                    .withName(SidecarLayout.PORT_NAME)
                    .withContainerPort(SidecarLayout.DEFAULT_HTTP_PORT)
                    .endPort()
                    .endInitContainer()
                    .endSpec()
                    .build();

            PodObservation observed = observe(running(pod, impostor.podIp(), true));

            assertThat(observed.report()).isEmpty();
            assertThat(observed.sidecarReady()).isTrue();
            assertThat(impostor.requests()).isZero();
        }
    }

    @Test
    void aSidecarStreamingAnEndlessStatusIsCutOffAfterABoundedRead() throws Exception {
        byte[] chunk = new byte[16 * 1024];
        Arrays.fill(chunk, (byte) 'x');
        try (HostileSidecar endless = HostileSidecar.start(out -> {
            out.write("{\"state\":\"".getBytes(StandardCharsets.US_ASCII));
            while (true) {
                out.write(chunk);
            }
        })) {
            long started = System.nanoTime();
            PodObservation observed = observe(injected("web-1", endless.podIp()));

            assertThat(observed.report()).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plusSeconds(2));
            // The operator hung up: the sidecar's writes fail, after what the sockets' buffers hold beyond the bound.
            await().atMost(Duration.ofSeconds(5)).untilTrue(endless.hungUp);
            assertThat(endless.written.get()).isLessThan(32L << 20);
        }
    }

    @Test
    void aSidecarTricklingItsStatusIsGivenUpAtTheDeadline() throws Exception {
        try (HostileSidecar trickle = HostileSidecar.start(out -> {
            out.write("{\"state\":\"".getBytes(StandardCharsets.US_ASCII));
            while (true) {
                out.write('x');
                out.flush();
                Thread.sleep(50);
            }
        })) {
            long started = System.nanoTime();
            PodObservation observed = observe(injected("web-1", trickle.podIp()));

            assertThat(observed.report()).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plusSeconds(2));
            await().atMost(Duration.ofSeconds(5)).untilTrue(trickle.hungUp);
        }
    }

    private PodObservation observe(Pod pod) {
        return probe.observe(TUNNEL, List.of(pod), Optional.of(TOKEN)).getFirst();
    }

    /** The pod the webhook would have made, running at this address, its sidecar ready. */
    private static Pod injected(String name, String podIp) {
        return running(
                PodInjector.inject(Fixtures.annotatedPod(name, "corp"), TUNNEL, INJECTION, Fixtures.CLUSTER_DNS)
                        .orElseThrow(),
                podIp,
                true);
    }

    private static Pod withUid(Pod pod, String uid) {
        return new PodBuilder(pod).editMetadata().withUid(uid).endMetadata().build();
    }

    /** A clock the test moves by hand. */
    private static final class TestClock extends Clock {
        private volatile Instant now = Instant.parse("2026-12-02T10:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private static Pod running(Pod pod, String podIp, boolean ready) {
        return new PodBuilder(pod)
                .withNewStatus()
                .withPhase("Running")
                .withPodIP(podIp)
                .addToInitContainerStatuses(new ContainerStatusBuilder()
                        .withName(SidecarLayout.CONTAINER_NAME)
                        .withReady(ready)
                        .withStarted(true)
                        .withNewState()
                        .withNewRunning()
                        .endRunning()
                        .endState()
                        .build())
                .endStatus()
                .build();
    }

    /** What a hostile sidecar writes after its response head. */
    @FunctionalInterface
    private interface Body {
        void write(OutputStream out) throws IOException, InterruptedException;
    }

    /**
     * A server at a pod's address and the sidecar's port that answers every request with a 200 head and then whatever
     * its body writes, without a length. It notes how much it wrote, and whether the client hung up on it.
     */
    private static final class HostileSidecar implements AutoCloseable {
        private final ServerSocket listener;
        final AtomicLong written = new AtomicLong();
        final AtomicBoolean hungUp = new AtomicBoolean();

        private HostileSidecar(ServerSocket listener) {
            this.listener = listener;
        }

        static HostileSidecar start(Body body) throws IOException {
            HostileSidecar sidecar = new HostileSidecar(new ServerSocket());
            sidecar.listener.bind(new InetSocketAddress(Fixtures.podAddress(), SidecarLayout.DEFAULT_HTTP_PORT));
            Thread.ofPlatform().daemon().name("hostile-sidecar").start(() -> sidecar.serve(body));
            return sidecar;
        }

        String podIp() {
            return listener.getInetAddress().getHostAddress();
        }

        private void serve(Body body) {
            while (!listener.isClosed()) {
                try (Socket socket = listener.accept();
                        InputStream in = socket.getInputStream()) {
                    readHead(in);
                    OutputStream counted = new OutputStream() {
                        private final OutputStream out = socket.getOutputStream();

                        @Override
                        public void write(int b) throws IOException {
                            out.write(b);
                            written.incrementAndGet();
                        }

                        @Override
                        public void write(byte[] bytes, int offset, int length) throws IOException {
                            out.write(bytes, offset, length);
                            written.addAndGet(length);
                        }
                    };
                    counted.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    body.write(counted);
                } catch (IOException e) {
                    if (!listener.isClosed()) {
                        hungUp.set(true);
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private static void readHead(InputStream in) throws IOException {
            int matched = 0;
            byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            while (matched < end.length) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the request ended in its head");
                }
                matched = b == end[matched] ? matched + 1 : b == end[0] ? 1 : 0;
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
