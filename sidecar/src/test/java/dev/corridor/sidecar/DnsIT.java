package dev.corridor.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.corridor.sidecar.testing.Commands;
import dev.corridor.sidecar.testing.Firewall;
import dev.corridor.sidecar.testing.GatewayLab;
import dev.corridor.sidecar.testing.PacketCapture;
import dev.corridor.sidecar.testing.SidecarProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Corporate names through the tunnel, cluster names as before, with real DNS servers: dnsmasq for corp.test behind the
 * gateway (10.20.1.53, ocserv's "dns", split-dns corp.test), and dnsmasq for cluster.local on the node, the pod's
 * nameserver. The pod asks the sidecar's forwarder; what each server saw, and what left the pod's own interface, is
 * read from their logs and a capture.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DnsIT {
    private static final Duration READY = Duration.ofSeconds(20);
    private static GatewayLab lab;
    private SidecarProcess sidecar;

    @BeforeAll
    static void startLab() throws Exception {
        lab = GatewayLab.start("cordns", "dpd = 2");
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @BeforeEach
    void startSidecar() throws Exception {
        sidecar = SidecarProcess.start(
                lab.podNamespace(),
                lab.password() + "\n",
                "--cafile",
                lab.caFile().toString(),
                "-u",
                lab.user(),
                "--passwd-on-stdin",
                "--http-address",
                SidecarProcess.HTTP_ADDRESS,
                "--dns-listen",
                "127.0.0.1:53",
                "--reconnect-max-delay",
                "2",
                lab.gatewayUrl());
        sidecar.awaitReady(READY);
    }

    @AfterEach
    void stopSidecar() throws Exception {
        sidecar.close();
        Commands.runAllowingFailure(List.of("ip", "-n", lab.podNamespace(), "link", "del", "vpn0"));
        Commands.runAllowingFailure(List.of("ip", "-n", lab.podNamespace(), "route", "flush", "proto", "151"));
    }

    @Test
    void aCorporateNameResolvesThroughTheTunnelAndNothingOfItLeavesThePodsInterface() throws Exception {
        String vpnAddress = sidecar.status().path("address").asText();
        try (PacketCapture eth0 = PacketCapture.start(lab.podNamespace(), "eth0")) {
            assertThat(dig("db.corp.test")).isEqualTo("10.20.1.10");
            assertThat(dig("db.corp.test", "AAAA")).isEqualTo("fd00:20::10");
            assertThat(dig("-x", "10.20.1.10"))
                    .as("a reverse name of the tunnel's network")
                    .isEqualTo("db.corp.test.");
            assertThat(eth0.count("port 53"))
                    .as("DNS packets on the pod's own interface")
                    .isZero();
            assertThat(eth0.count("dst host " + lab.get("LAB_GATEWAY_ADDRESS")))
                    .as("the capture saw the tunnel's own packets")
                    .isPositive();
        }
        assertThat(log("LAB_CORP_DNS_LOG"))
                .as("the corporate server saw the query come from the VPN address")
                .contains("query[A] db.corp.test from " + vpnAddress);
        assertThat(log("LAB_CLUSTER_DNS_LOG")).doesNotContain("corp.test");
        assertThat(sidecar.httpGet("/metrics"))
                .containsPattern("corridor_dns_queries_seconds_count\\{rcode=\"NOERROR\",route=\"tunnel\"} [1-9]");
    }

    @Test
    void aClusterNameResolvesFromTheClusterDns() throws Exception {
        try (PacketCapture eth0 = PacketCapture.start(lab.podNamespace(), "eth0")) {
            assertThat(dig("kubernetes.default.svc.cluster.local")).isEqualTo("10.96.0.1");
            assertThat(eth0.count("udp port 53 and dst host " + lab.get("LAB_CLUSTER_DNS")))
                    .as("to the cluster DNS, as before")
                    .isPositive();
        }
        assertThat(log("LAB_CLUSTER_DNS_LOG"))
                .contains("query[A] kubernetes.default.svc.cluster.local from " + lab.get("LAB_POD_ADDRESS"));
        assertThat(log("LAB_CORP_DNS_LOG")).doesNotContain("cluster.local");
    }

    /** dig without EDNS0 takes 512 bytes over UDP: the forwarder hands it a truncated answer, and the whole over TCP. */
    @Test
    void aLargeAnswerComesOverTcp() throws Exception {
        String answer = lab.exec(
                lab.podNamespace(), "dig", "@127.0.0.1", "+noedns", "+tries=1", "+time=3", "big.corp.test", "TXT");
        assertThat(answer)
                .contains("Truncated, retrying in TCP mode")
                .contains("ANSWER: 1")
                .contains("x".repeat(250));
    }

    /** While the session is down, a corporate name fails at once, and reaches no server at all. */
    @Test
    void duringAnOutageCorporateNamesFailFastAndReachNoOne() throws Exception {
        int corpLogBefore = log("LAB_CORP_DNS_LOG").length();
        try (Firewall silence = Firewall.onInput(
                lab.gatewayNamespace(), "corridor_test", "meta l4proto { tcp, udp } th dport 443 drop")) {
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> sidecar.httpStatus("/readyz") == 503);
            long started = System.nanoTime();
            String answer = lab.exec(lab.podNamespace(), "dig", "@127.0.0.1", "+tries=1", "+time=3", "files.corp.test");
            assertThat(answer).contains("status: SERVFAIL");
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .as("at once, not after a timeout")
                    .isLessThan(Duration.ofSeconds(2));
            assertThat(dig("kubernetes.default.svc.cluster.local"))
                    .as("cluster names go on resolving")
                    .isEqualTo("10.96.0.1");
        }
        assertThat(log("LAB_CLUSTER_DNS_LOG")).doesNotContain("files.corp.test");
        assertThat(log("LAB_CORP_DNS_LOG").substring(corpLogBefore)).doesNotContain("files.corp.test");
        sidecar.awaitReady(Duration.ofSeconds(15));
        assertThat(dig("files.corp.test"))
                .as("answers resume after the reconnect")
                .isEqualTo("10.20.2.10");
    }

    /** Only loopback is served: the pod's own address answers nothing. */
    @Test
    void theForwarderIsNoOpenResolver() throws Exception {
        Commands.Result fromOutside = Commands.runAllowingFailure(List.of(
                "ip",
                "netns",
                "exec",
                lab.get("LAB_NODE_NS"),
                "dig",
                "@" + lab.get("LAB_POD_ADDRESS"),
                "+tries=1",
                "+time=2",
                "db.corp.test"));
        assertThat(fromOutside.stdout()).doesNotContain("10.20.1.10");
    }

    private static String dig(String... query) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("dig", "@127.0.0.1", "+short", "+tries=1", "+time=3"));
        command.addAll(List.of(query));
        List<String> full = new java.util.ArrayList<>(List.of("ip", "netns", "exec", lab.podNamespace()));
        full.addAll(command);
        return Commands.run(full).strip();
    }

    private static String log(String key) throws Exception {
        Path file = Path.of(lab.get(key));
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
