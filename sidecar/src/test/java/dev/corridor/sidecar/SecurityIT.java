package dev.corridor.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corridor.sidecar.hostile.DtlsAttacker;
import dev.corridor.sidecar.testing.Background;
import dev.corridor.sidecar.testing.Commands;
import dev.corridor.sidecar.testing.GatewayLab;
import dev.corridor.sidecar.testing.NetworkNamespace;
import dev.corridor.sidecar.testing.PacketCapture;
import dev.corridor.sidecar.testing.PodRoutes;
import dev.corridor.sidecar.testing.SidecarProcess;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The security review's findings, replayed against the real ocserv in the lab: an attacker on the UDP path, a sidecar
 * killed while the application keeps sending, a gateway that injects packets with foreign sources or knocks on the
 * sidecar's port, and a gateway route over the pod's own nameserver.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SecurityIT {
    private static final Duration READY = Duration.ofSeconds(20);
    private static final String CORPORATE = "dst net 10.20.1.0/24 or dst net 10.20.2.0/24";
    /** The lab's routes as a fail-closed sidecar leaves them when it dies: the tunnel's are gone with its device. */
    private static final Set<String> CLOSED_WITHOUT_SIDECAR = Set.of(
            "198.18.0.2 via 172.30.0.1 dev eth0 proto 151",
            "10.20.3.0/24 via 172.30.0.1 dev eth0 proto 151",
            "unreachable 10.20.0.0/16 proto 151 metric 1000000",
            "unreachable 10.99.0.0/24 proto 151 metric 1000000");

    private static GatewayLab lab;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void startLab() throws Exception {
        lab = GatewayLab.start("corsec");
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
        resources.clear();
        Commands.runAllowingFailure(List.of("ip", "-n", lab.podNamespace(), "link", "del", "vpn0"));
        Commands.runAllowingFailure(List.of("ip", "-n", lab.podNamespace(), "route", "flush", "proto", "151"));
    }

    /**
     * In PSK-NEGOTIATE mode the client used to offer the App-ID as a session to resume, with 48 zero bytes as its
     * secret: whoever answered the ClientHello by resuming it got a DTLS channel with known keys, and the pod's
     * traffic. The attacker here sits on the node, where the pod's datagrams to the gateway pass, and takes them.
     */
    @Test
    void anAttackerOnTheUdpPathCompletesNoDtlsHandshakeAndTrafficStaysOnTls() throws Exception {
        NetworkNamespace node = keep(NetworkNamespace.attach(lab.get("LAB_NODE_NS")));
        DatagramSocket socket =
                node.call(() -> new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral("172.30.0.1"), 4433)));
        DtlsAttacker attacker = keep(new DtlsAttacker(socket));
        Commands.run(
                "ip",
                "netns",
                "exec",
                node.name(),
                "nft",
                "add table ip corsec_attack { chain steal { type nat hook prerouting "
                        + "priority -100; ip daddr 198.18.0.2 udp dport 443 dnat to 172.30.0.1:4433; }; }");
        keep(() -> Commands.runAllowingFailure(
                List.of("ip", "netns", "exec", node.name(), "nft", "delete", "table", "ip", "corsec_attack")));

        SidecarProcess sidecar = sidecar();
        sidecar.awaitReady(READY);
        await().atMost(Duration.ofSeconds(15)).until(() -> attacker.handshakesAbandoned() >= 1);
        assertThat(attacker.resumptionsOffered())
                .as("the attacker received the ClientHello and resumed the offered session")
                .isPositive();

        long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode status = sidecar.status();
            assertThat(status.path("dtls").path("state").asText())
                    .as("DTLS is never up with the attacker")
                    .isNotEqualTo("up");
            assertThat(status.path("transport").asText()).isEqualTo("cstp");
            Thread.sleep(200);
        }
        long cstpBefore = sidecar.status()
                .path("traffic")
                .path("cstp")
                .path("packetsReceived")
                .asLong();
        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "3", "-W", "2", lab.get("LAB_CORP_HOST_1")))
                .contains("3 received");
        assertThat(sidecar.status()
                        .path("traffic")
                        .path("cstp")
                        .path("packetsReceived")
                        .asLong())
                .as("the replies came over TLS")
                .isGreaterThanOrEqualTo(cstpBefore + 3);
        assertThat(sidecar.status()
                        .path("traffic")
                        .path("dtls")
                        .path("packetsReceived")
                        .asLong())
                .isZero();
        assertThat(attacker.handshakesCompleted())
                .as("handshakes the attacker completed")
                .isZero();
        assertThat(sidecar.output()).contains("resumed the session offered as the App-ID");
        assertThat(sidecar.httpStatus("/readyz"))
                .as("the TLS channel carried on")
                .isEqualTo(200);
    }

    /**
     * While a killed sidecar is down (an OOM kill, a liveness restart), the application keeps running: its corporate
     * traffic must find unreachable routes, not the pod's default route out of the node in clear.
     */
    @Test
    void aKilledSidecarLeavesThePodClosedUntilTheNextOneTakesOver() throws Exception {
        SidecarProcess first = sidecar("--fail-closed");
        first.awaitReady(READY);
        PacketCapture eth0 = keep(PacketCapture.start(lab.podNamespace(), "eth0"));
        CompletableFuture<Commands.Result> pinging =
                Background.supply(() -> run("ping", "-i", "0.2", "-c", "25", "-W", "1", lab.get("LAB_CORP_HOST_1")));
        Thread.sleep(1000);

        first.signal("KILL");
        first.awaitExit(Duration.ofSeconds(5));
        assertThat(PodRoutes.links(lab.podNamespace())).doesNotContain("vpn0");
        assertThat(PodRoutes.of(lab.podNamespace(), "-4").stream().filter(route -> route.contains("proto 151")))
                .containsExactlyInAnyOrderElementsOf(CLOSED_WITHOUT_SIDECAR);
        Commands.Result connect =
                run("timeout", "5", "bash", "-c", "exec 3<>/dev/tcp/" + lab.get("LAB_CORP_HOST_2") + "/5001");
        assertThat(connect.stderr())
                .as("a TCP connect fails at once, and says why")
                .contains("No route to host");
        assertThat(pinging.get(30, TimeUnit.SECONDS).stdout())
                .as("pings went on through the outage, unanswered")
                .contains("25 packets transmitted")
                .doesNotContain(" 25 received");
        assertThat(eth0.count(CORPORATE))
                .as("corporate-bound packets on the pod's own interface")
                .isZero();
        assertThat(eth0.count("dst host 198.18.0.2"))
                .as("the capture saw the sidecar's traffic to the gateway")
                .isPositive();

        SidecarProcess second = sidecar("--fail-closed");
        second.awaitReady(READY);
        assertThat(second.output()).contains("keeping 4 routes of an earlier run until the tunnel takes them over");
        assertThat(PodRoutes.of(lab.podNamespace(), "-4").stream().filter(route -> route.contains("proto 151")))
                .containsExactlyInAnyOrder(
                        "198.18.0.2 via 172.30.0.1 dev eth0 proto 151",
                        "10.20.3.0/24 via 172.30.0.1 dev eth0 proto 151",
                        "10.20.0.0/16 dev vpn0 proto 151",
                        "10.99.0.0/24 dev vpn0 proto 151",
                        "unreachable 10.20.0.0/16 proto 151 metric 1000000",
                        "unreachable 10.99.0.0/24 proto 151 metric 1000000");
        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "2", "-W", "2", lab.get("LAB_CORP_HOST_1")))
                .contains("2 received");

        // A fail-closed sidecar that is stopped keeps the pod closed too: in a pod, that is a restart.
        second.signal("TERM");
        assertThat(second.awaitExit(Duration.ofSeconds(10))).isZero();
        assertThat(PodRoutes.of(lab.podNamespace(), "-4").stream().filter(route -> route.contains("proto 151")))
                .containsExactlyInAnyOrderElementsOf(CLOSED_WITHOUT_SIDECAR);

        // Without --fail-closed (a user at a terminal), a stop is a deliberate teardown: nothing stays.
        SidecarProcess third = sidecar();
        third.awaitReady(READY);
        third.signal("TERM");
        assertThat(third.awaitExit(Duration.ofSeconds(10))).isZero();
        assertThat(PodRoutes.of(lab.podNamespace(), "-4")).noneMatch(route -> route.contains("proto 151"));
    }

    /**
     * The gateway may only send what comes from the networks the tunnel carries: a packet claiming a cluster or
     * internet source is dropped, and the corporate side cannot reach the sidecar's HTTP port.
     */
    @Test
    void packetsFromForeignSourcesAndToTheSidecarsPortAreDropped() throws Exception {
        SidecarProcess sidecar = sidecar("--http-address", "0.0.0.0:9478");
        sidecar.awaitReady(READY);
        String address = sidecar.status().path("address").asText();
        lab.exec(lab.gatewayNamespace(), "ip", "addr", "add", "192.0.2.77/32", "dev", "lo");
        keep(() -> Commands.runAllowingFailure(
                List.of("ip", "-n", lab.gatewayNamespace(), "addr", "del", "192.0.2.77/32", "dev", "lo")));
        PacketCapture vpn0 = keep(PacketCapture.start(lab.podNamespace(), "vpn0"));

        Commands.runAllowingFailure(List.of(
                "ip",
                "netns",
                "exec",
                lab.gatewayNamespace(),
                "ping",
                "-c",
                "3",
                "-W",
                "1",
                "-I",
                "192.0.2.77",
                address));
        assertThat(lab.exec(lab.corpNamespace(), "ping", "-c", "2", "-W", "2", address))
                .as("a corporate host is answered")
                .contains("2 received");
        Commands.Result knock = Commands.runAllowingFailure(List.of(
                "ip",
                "netns",
                "exec",
                lab.corpNamespace(),
                "curl",
                "-s",
                "--max-time",
                "3",
                "http://" + address + ":9478/healthz"));
        assertThat(knock.exitCode())
                .as("the sidecar's port, from the corporate side")
                .isNotZero();
        assertThat(sidecar.httpStatus("/healthz"))
                .as("the same port in the pod")
                .isEqualTo(200);

        assertThat(vpn0.count("src host 192.0.2.77"))
                .as("spoofed packets delivered into the pod")
                .isZero();
        String metrics = sidecar.httpGet("/metrics");
        assertThat(dropped(metrics, "spoofed_source")).isEqualTo(3);
        assertThat(dropped(metrics, "to_sidecar"))
                .as("the SYN and its retransmissions")
                .isPositive();
    }

    /** A gateway route over the pod's nameserver would take the cluster's DNS into the corporate network. */
    @Test
    void thePodsNameserverStaysOnThePodsPathInsideASplitInclude() throws Exception {
        Path resolvConf = Path.of("/etc/netns", lab.podNamespace(), "resolv.conf");
        String original = Files.readString(resolvConf);
        Files.writeString(resolvConf, "nameserver 10.20.2.53\n");
        keep(() -> Files.writeString(resolvConf, original));

        SidecarProcess sidecar = sidecar();
        sidecar.awaitReady(READY);
        assertThat(PodRoutes.of(lab.podNamespace(), "-4"))
                .contains("10.20.2.53 via 172.30.0.1 dev eth0 proto 151", "10.20.0.0/16 dev vpn0 proto 151");
        assertThat(lab.exec(lab.podNamespace(), "ip", "route", "get", "10.20.2.53"))
                .contains("dev eth0");
        assertThat(lab.exec(lab.podNamespace(), "ip", "route", "get", "10.20.2.10"))
                .contains("dev vpn0");
    }

    private SidecarProcess sidecar(String... extra) throws Exception {
        List<String> args =
                new ArrayList<>(List.of("--cafile", lab.caFile().toString(), "-u", lab.user(), "--passwd-on-stdin"));
        if (!List.of(extra).contains("--http-address")) {
            args.addAll(List.of("--http-address", SidecarProcess.HTTP_ADDRESS));
        }
        args.addAll(List.of(extra));
        args.add(lab.gatewayUrl());
        return keep(SidecarProcess.start(lab.podNamespace(), lab.password() + "\n", args.toArray(String[]::new)));
    }

    private Commands.Result run(String... command) {
        List<String> inPod = new ArrayList<>(List.of("ip", "netns", "exec", lab.podNamespace()));
        inPod.addAll(List.of(command));
        try {
            return Commands.runAllowingFailure(inPod);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The drop counter of a reason, over both channels. */
    private static long dropped(String metrics, String reason) {
        Matcher matcher = Pattern.compile(
                        "corridor_tunnel_dropped_packets_total\\{[^}]*reason=\"" + reason + "\"[^}]*} (\\S+)")
                .matcher(metrics);
        long total = 0;
        while (matcher.find()) {
            total += (long) Double.parseDouble(matcher.group(1));
        }
        return total;
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }
}
