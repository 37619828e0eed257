package dev.corridor.sidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.http.Attack.Behaviour;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attackers hold connections while the kubelet probes. This JVM's heap is large, so the tests assert what bounds the
 * memory instead: how many connections the server keeps, how long, and how many bytes it lets each one send.
 * {@code SmallHeapTest} runs a flood against the real 16 MB heap. Attackers connect from another address than the
 * probes, as they would in a cluster, and replace each connection the server closes at once.
 */
class StatusServerUnderAttackTest {
    private static final Duration ATTACK = Duration.ofMillis(3500);
    /** The kubelet's default probe timeout. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    /** The head the server reads, plus what the kernel buffers on both sides of a connection. */
    private static final long MOST_ACCEPTED = BoundedHttpServer.MAX_HEAD_BYTES + 256 * 1024;
    /** The head timeout, plus the attacker's tick and some scheduling. */
    private static final Duration LONGEST_LIFE = BoundedHttpServer.HEAD_TIMEOUT.plusMillis(500);

    private static final String HEAD_START = "GET /healthz HTTP/1.1\r\nHost: pod\r\n";

    private StatusServer server;
    private volatile Supplier<String> metrics = () -> "corridor_tunnel_up 1\n";

    @BeforeEach
    void start() throws Exception {
        server = StatusServer.start(
                new InetSocketAddress("127.0.0.1", 0), Optional.empty(), Statuses::connected, () -> metrics.get());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void tenSlowConnectionsWithHugeHeaders() throws Exception {
        List<Attack.Connection> connections = underAttack(10, hugeHeader());

        assertBounded(connections);
        assertThat(connections).anySatisfy(c -> assertThat(c.answer()).startsWith("HTTP/1.1 431 "));
    }

    @Test
    void hugeHeadersSentAtFullSpeedAreCutAtTheCap() throws Exception {
        Behaviour flood = new Behaviour(
                HEAD_START + "X-Padding: ", "a".repeat(64 * 1024).getBytes(StandardCharsets.ISO_8859_1), Duration.ZERO);

        List<Attack.Connection> connections = underAttack(4, flood);

        assertBounded(connections);
        assertThat(connections)
                .filteredOn(Attack.Connection::closedByServer)
                .isNotEmpty()
                .allSatisfy(c -> assertThat(c.lifetime())
                        .as("cut at the cap, long before the head timeout")
                        .isLessThan(PROBE_TIMEOUT));
    }

    @Test
    void aScrapeThatTakesTimeIsNotCutShortByConnectionsThatArriveMeanwhile() throws Exception {
        metrics = () -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "corridor_tunnel_up 1\n";
        };
        // From the scraper's own address: what keeps the scrape is that its head is in.
        Attack attack = Attack.start(server.address(), InetAddress.ofLiteral("127.0.0.1"), 100, Behaviour.silent());
        try {
            Thread.sleep(200);
            for (int i = 0; i < 5; i++) {
                HttpCall scrape = HttpCall.get(server.address(), "/metrics");
                assertThat(scrape.status())
                        .as("scrape %d: %s", i, scrape.head())
                        .isEqualTo(200);
            }
        } finally {
            attack.stop();
        }
    }

    @Test
    void aCallerSlowToSendItsHeadIsNotClosedForTheRoomAFloodFromElsewhereNeeds() throws Exception {
        try (Socket slow = new Socket()) {
            slow.connect(server.address());
            Attack attack = Attack.start(server.address(), 100, Behaviour.silent());
            try {
                Thread.sleep(300);
                slow.setSoTimeout((int) HttpCall.TIMEOUT.toMillis());
                slow.getOutputStream().write((HEAD_START + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                String answer = new String(slow.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(HttpCall.parse(answer, Duration.ZERO).status()).isEqualTo(200);
            } finally {
                attack.stop();
            }
        }
    }

    @Test
    void aHundredSlowConnectionsWithHugeHeaders() throws Exception {
        List<Attack.Connection> connections = underAttack(100, hugeHeader());

        assertBounded(connections);
    }

    @Test
    void aSlowlorisIsCutOffAtTheHeadTimeoutThoughItKeepsSending() throws Exception {
        Behaviour slowloris =
                new Behaviour(HEAD_START, "X".getBytes(StandardCharsets.ISO_8859_1), Duration.ofMillis(500));

        List<Attack.Connection> connections = underAttack(10, slowloris);

        assertBounded(connections);
        assertThat(connections.stream().filter(Attack.Connection::closedByServer))
                .as("fewer than MAX_CONNECTIONS: the head timeout, not room for others, closes them")
                .isNotEmpty()
                .allSatisfy(c -> assertThat(c.lifetime())
                        .isGreaterThanOrEqualTo(BoundedHttpServer.HEAD_TIMEOUT.minusMillis(50)));
    }

    @Test
    void idleConnectionsAreClosedAtTheHeadTimeout() throws Exception {
        List<Attack.Connection> connections = underAttack(10, Behaviour.silent());

        assertBounded(connections);
        assertThat(connections).filteredOn(Attack.Connection::closedByServer).isNotEmpty();
    }

    @Test
    void twoHundredIdleConnections() throws Exception {
        List<Attack.Connection> connections = underAttack(200, Behaviour.silent());

        assertBounded(connections);
    }

    @Test
    void anEndlessBodyOnAGetIsNeverRead() throws Exception {
        byte[] body = new byte[64 * 1024];
        Behaviour contentLength =
                new Behaviour(HEAD_START + "Content-Length: 1000000000000\r\n\r\n", body, Duration.ZERO);
        Behaviour chunked =
                new Behaviour(HEAD_START + "Transfer-Encoding: chunked\r\n\r\n10000\r\n", body, Duration.ZERO);

        List<Attack.Connection> connections = underAttack(2, contentLength, chunked);

        assertBounded(connections);
        assertThat(connections).as("answered and closed").allSatisfy(c -> {
            assertThat(c.closedByServer()).isTrue();
            assertThat(c.lifetime()).isLessThan(PROBE_TIMEOUT);
        });
    }

    private static Behaviour hugeHeader() {
        return new Behaviour(
                HEAD_START + "X-Padding: ",
                "a".repeat(1024).getBytes(StandardCharsets.ISO_8859_1),
                Duration.ofMillis(100));
    }

    /**
     * Runs an attack of {@code size} connections per behaviour while probing; returns the connections once the server
     * has had time to close what it would close.
     */
    private List<Attack.Connection> underAttack(int size, Behaviour... behaviours) throws Exception {
        Prober prober = Prober.start(server.address());
        List<Attack> attacks = new ArrayList<>();
        try {
            for (Behaviour behaviour : behaviours) {
                attacks.add(Attack.start(server.address(), size, behaviour));
            }
            Thread.sleep(ATTACK);
        } finally {
            attacks.forEach(Attack::stop);
            prober.stop();
        }
        assertProbesAnswered(prober);
        int stillOpen = 0;
        List<Attack.Connection> connections = new ArrayList<>();
        for (Attack attack : attacks) {
            stillOpen += attack.stillOpenAfter(Duration.ofMillis(300));
            connections.addAll(attack.connections());
        }
        assertThat(stillOpen).as("connections the server keeps").isLessThanOrEqualTo(BoundedHttpServer.MAX_CONNECTIONS);
        System.out.printf(
                "%d attackers (%d connections), %d probes, slowest %d ms, most bytes accepted from one %d%n",
                size * behaviours.length,
                connections.size(),
                prober.probes().size(),
                prober.slowest().toMillis(),
                connections.stream()
                        .mapToLong(Attack.Connection::accepted)
                        .max()
                        .orElse(0));
        return connections;
    }

    private static void assertProbesAnswered(Prober prober) {
        assertThat(prober.probes()).hasSizeGreaterThan(20).allSatisfy(probe -> {
            assertThat(probe.status())
                    .as("%s: %s", probe.path(), probe.failure())
                    .isEqualTo(200);
            assertThat(probe.took()).as(probe.path()).isLessThan(PROBE_TIMEOUT);
        });
    }

    private static void assertBounded(List<Attack.Connection> connections) {
        assertThat(connections).isNotEmpty().allSatisfy(c -> {
            assertThat(c.accepted()).as("bytes accepted from one connection").isLessThanOrEqualTo(MOST_ACCEPTED);
            assertThat(c.lifetime()).as("lifetime of a connection").isLessThanOrEqualTo(LONGEST_LIFE);
        });
    }
}
