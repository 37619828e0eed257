package dev.corridor.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corridor.sidecar.testing.Commands;
import dev.corridor.sidecar.testing.GatewayLab;
import dev.corridor.sidecar.testing.NetworkNamespace;
import dev.corridor.sidecar.testing.PodRoutes;
import dev.corridor.sidecar.testing.SidecarProcess;
import dev.corridor.sidecar.testing.TcpTransfer;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sidecar against a real ocserv over CSTP (DTLS off: its own tests are in DtlsIT), in the lab's network namespaces. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TunnelIT {
    private static final Duration READY = Duration.ofSeconds(20);
    private static final long TWENTY_MB = 20L * 1024 * 1024;
    /** What ocserv 1.1.6 logs (at -d 2) when a login begins. */
    private static final String LOGIN_STARTED = "using 'plain' authentication to authenticate user";

    private static GatewayLab lab;
    private static NetworkNamespace pod;
    private static NetworkNamespace corp;
    private SidecarProcess sidecar;

    @BeforeAll
    static void startLab() throws Exception {
        lab = GatewayLab.start("cortun");
        pod = NetworkNamespace.attach(lab.podNamespace());
        corp = NetworkNamespace.attach(lab.corpNamespace());
    }

    @AfterAll
    static void stopLab() throws Exception {
        if (pod != null) {
            pod.close();
        }
        if (corp != null) {
            corp.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @AfterEach
    void stopSidecar() throws Exception {
        if (sidecar != null) {
            sidecar.close();
        }
        Commands.runAllowingFailure(List.of("ip", "-n", lab.podNamespace(), "link", "del", "vpn0"));
        Commands.runAllowingFailure(List.of("ip", "-n", lab.podNamespace(), "route", "flush", "proto", "151"));
    }

    @Test
    void connectsAndInstallsExactlyTheGatewaysRoutes() throws Exception {
        sidecar = connect(lab.password(), "--cafile", lab.caFile().toString());
        sidecar.awaitReady(READY);

        JsonNode status = sidecar.status();
        String address = status.path("address").asText();
        assertThat(status.path("state").asText()).isEqualTo("connected");
        assertThat(status.path("transport").asText()).isEqualTo("cstp");
        assertThat(status.path("dtls").path("state").asText()).isEqualTo("disabled");
        assertThat(status.path("server").asText()).isEqualTo("vpn.corp.test");
        assertThat(address).startsWith("10.99.0.");
        assertThat(status.path("mtu").asInt()).isBetween(1200, 1500);
        assertThat(status.path("routes")).extracting(JsonNode::asText).containsExactly("10.20.0.0/16", "10.99.0.0/24");
        assertThat(status.path("excludedRoutes")).extracting(JsonNode::asText).containsExactly("10.20.3.0/24");
        assertThat(status.path("dns")).extracting(JsonNode::asText).containsExactly("10.20.1.53");
        assertThat(status.path("connectedSince").asText()).isNotEmpty();

        assertThat(PodRoutes.of(lab.podNamespace(), "-4"))
                .containsExactlyInAnyOrder(
                        "default via 172.30.0.1 dev eth0",
                        "172.30.0.0/24 dev eth0 proto kernel",
                        "198.18.0.2 via 172.30.0.1 dev eth0 proto 151",
                        "10.20.3.0/24 via 172.30.0.1 dev eth0 proto 151",
                        "10.20.0.0/16 dev vpn0 proto 151",
                        "10.99.0.0/24 dev vpn0 proto 151",
                        "unreachable 10.20.0.0/16 proto 151 metric 1000000",
                        "unreachable 10.99.0.0/24 proto 151 metric 1000000");
        String link = Commands.run("ip", "-n", lab.podNamespace(), "-o", "addr", "show", "dev", "vpn0");
        assertThat(link).contains("inet " + address + "/32");
        assertThat(Commands.run("ip", "-n", lab.podNamespace(), "link", "show", "vpn0"))
                .contains("mtu " + status.path("mtu").asInt())
                .contains("UP");
        assertThat(lab.gatewayUsers()).contains(lab.user()).contains(address);
    }

    /** The gateway's DNS settings are reported, never applied: the pod's resolver stays the cluster's. */
    @Test
    void thePodsResolvConfIsNeverTouched() throws Exception {
        String before = lab.exec(lab.podNamespace(), "cat", "/etc/resolv.conf");
        sidecar = connect(lab.password(), "--cafile", lab.caFile().toString());
        sidecar.awaitReady(READY);
        assertThat(sidecar.status().path("dns")).extracting(JsonNode::asText).containsExactly("10.20.1.53");
        assertThat(lab.exec(lab.podNamespace(), "cat", "/etc/resolv.conf"))
                .as("while the tunnel is up")
                .isEqualTo(before);
        sidecar.signal("TERM");
        assertThat(sidecar.awaitExit(Duration.ofSeconds(10))).isZero();
        assertThat(lab.exec(lab.podNamespace(), "cat", "/etc/resolv.conf"))
                .as("after")
                .isEqualTo(before);
    }

    /**
     * Metrics identify nothing: no label holds the user, an address or a host name (the scrape adds the pod's
     * identity), and each step of the session's set-up was timed once.
     */
    @Test
    void metricsCarryNoAddressUserOrHostAndTimeEachStepOfTheSetUp() throws Exception {
        sidecar = connect(lab.password(), "--cafile", lab.caFile().toString());
        sidecar.awaitReady(READY);
        String address = sidecar.status().path("address").asText();
        String metrics = sidecar.httpGet("/metrics");

        java.util.regex.Matcher labels =
                java.util.regex.Pattern.compile("\\{([^}]*)}").matcher(metrics);
        List<String> values = new java.util.ArrayList<>();
        while (labels.find()) {
            for (java.util.regex.MatchResult label : java.util.regex.Pattern.compile("=\"([^\"]*)\"")
                    .matcher(labels.group(1))
                    .results()
                    .toList()) {
                values.add(label.group(1));
            }
        }
        assertThat(values)
                .isNotEmpty()
                .noneMatch(value -> value.contains(lab.user())
                        || value.contains(address)
                        || value.contains(lab.get("LAB_POD_ADDRESS"))
                        || value.contains(lab.get("LAB_GATEWAY_ADDRESS"))
                        || value.contains(lab.get("LAB_GATEWAY_HOST"))
                        || value.contains("10.20."));
        for (String phase : List.of("tls", "authentication", "connect")) {
            assertThat(metrics).contains("corridor_tunnel_handshake_seconds_count{phase=\"" + phase + "\"} 1");
        }
        assertThat(metrics)
                .contains("corridor_tunnel_handshake_seconds_count{phase=\"dtls\"} 0")
                .contains("corridor_tunnel_authentications_total{outcome=\"success\"} 1.0");
    }

    @Test
    void carriesPingAndATwentyMegabyteTransferFromTheVpnAddress() throws Exception {
        sidecar = connect(lab.password(), "--cafile", lab.caFile().toString());
        sidecar.awaitReady(READY);
        String address = sidecar.status().path("address").asText();

        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "3", "-W", "2", lab.get("LAB_CORP_HOST_1")))
                .contains("3 received");

        TcpTransfer.Outcome outcome = TcpTransfer.send(pod, corp, lab.get("LAB_CORP_HOST_2"), 5001, TWENTY_MB);
        assertThat(outcome.received().bytes()).isEqualTo(TWENTY_MB);
        assertThat(outcome.received().sha256()).isEqualTo(outcome.sentSha256());
        assertThat(outcome.received().peerAddress())
                .as("the corporate host sees the VPN address")
                .isEqualTo(address);

        JsonNode traffic = sidecar.status().path("traffic");
        assertThat(traffic.path("bytesSent").asLong()).isGreaterThan(TWENTY_MB);
        assertThat(traffic.path("packetsReceived").asLong()).isPositive();
    }

    @Test
    void theExcludedSubnetGoesAroundTheTunnel() throws Exception {
        sidecar = connect(lab.password(), "--cafile", lab.caFile().toString());
        sidecar.awaitReady(READY);
        long sentBefore = sidecar.status().path("traffic").path("packetsSent").asLong();

        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "3", "-W", "2", lab.get("LAB_EXCLUDED_HOST")))
                .contains("3 received");
        assertThat(lab.exec(lab.podNamespace(), "ip", "route", "get", lab.get("LAB_EXCLUDED_HOST")))
                .contains("dev eth0");

        assertThat(sidecar.status().path("traffic").path("packetsSent").asLong())
                .as("no packet to the excluded host entered the tunnel")
                .isEqualTo(sentBefore);
    }

    @Test
    void configuredRoutesAddToExcludeFromAndProtectNetworksFromTheTunnel() throws Exception {
        sidecar = connect(
                lab.password(),
                "--cafile",
                lab.caFile().toString(),
                "--route",
                "10.21.0.0/16",
                "--exclude-route",
                "10.20.2.0/24",
                "--never-route",
                "10.20.1.0/24");
        sidecar.awaitReady(READY);

        JsonNode status = sidecar.status();
        assertThat(status.path("routes"))
                .extracting(JsonNode::asText)
                .containsExactly("10.20.0.0/16", "10.21.0.0/16", "10.99.0.0/24");
        assertThat(status.path("excludedRoutes"))
                .extracting(JsonNode::asText)
                .containsExactly("10.20.3.0/24", "10.20.2.0/24", "10.20.1.0/24");
        assertThat(PodRoutes.of(lab.podNamespace(), "-4"))
                .contains(
                        "10.21.0.0/16 dev vpn0 proto 151",
                        "10.20.2.0/24 via 172.30.0.1 dev eth0 proto 151",
                        "10.20.1.0/24 via 172.30.0.1 dev eth0 proto 151");
        assertThat(lab.exec(lab.podNamespace(), "ip", "route", "get", "10.21.5.5"))
                .contains("dev vpn0");
        long sentBefore = sidecar.status().path("traffic").path("packetsSent").asLong();
        // Corporate hosts behind a never-route or exclude network are not reached through the tunnel.
        assertThat(Commands.runAllowingFailure(List.of(
                                "ip",
                                "netns",
                                "exec",
                                lab.podNamespace(),
                                "ping",
                                "-c",
                                "1",
                                "-W",
                                "1",
                                lab.get("LAB_CORP_HOST_1")))
                        .exitCode())
                .isNotZero();
        assertThat(sidecar.status().path("traffic").path("packetsSent").asLong())
                .isEqualTo(sentBefore);
        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "1", "-W", "2", "10.20.0.2"))
                .contains("1 received");
    }

    @Test
    void aWrongPasswordExitsWithThreeWithoutRetrying() throws Exception {
        int loginsBefore = countOccurrences(lab.ocservLog(), LOGIN_STARTED);
        long scoreBefore = banScore();
        sidecar = connect("not-the-password", "--cafile", lab.caFile().toString());

        assertThat(sidecar.awaitExit(Duration.ofSeconds(20))).isEqualTo(3);
        assertThat(sidecar.output())
                .contains("the gateway rejected the login for the configured user (gateway says: Login failed.")
                .doesNotContain("not-the-password")
                .doesNotContain(lab.get("LAB_USER"));
        assertThat(countOccurrences(lab.ocservLog(), LOGIN_STARTED) - loginsBefore)
                .as("one login, never retried")
                .isEqualTo(1);
        // ocserv scores 10 per wrong password (ban-points-wrong-password) and 1 per connection: one refusal, never
        // retried.
        assertThat(banScore() - scoreBefore).as("the ban points the pod earned").isEqualTo(11);
        assertThat(PodRoutes.links(lab.podNamespace())).doesNotContain("vpn0");
    }

    @Test
    void anUntrustedCertificateIsRefusedBeforeAnyCredentialIsSentAndItsPinPrinted() throws Exception {
        String logBefore = lab.ocservLog();
        sidecar = connect(lab.password());

        assertThat(sidecar.awaitExit(Duration.ofSeconds(20))).isEqualTo(4);
        String pin = labCertificatePin();
        assertThat(sidecar.output())
                .contains("certificate is not trusted")
                .contains(pin)
                .contains("--servercert " + pin);
        String newLog = lab.ocservLog().substring(logBefore.length());
        assertThat(newLog).doesNotContain("alice");
    }

    @Test
    void aPinnedCertificateIsTrustedWithoutACa() throws Exception {
        sidecar = connect(lab.password(), "--servercert", labCertificatePin());
        sidecar.awaitReady(READY);
        assertThat(sidecar.status().path("state").asText()).isEqualTo("connected");
    }

    @Test
    void anUnreachableGatewayExitsWithFive() throws Exception {
        sidecar = SidecarProcess.start(
                lab.podNamespace(),
                lab.password() + "\n",
                "--cafile",
                lab.caFile().toString(),
                "-u",
                lab.user(),
                "--passwd-on-stdin",
                "--no-dtls",
                "--http-address",
                SidecarProcess.HTTP_ADDRESS,
                "https://vpn.corp.test:444/");
        assertThat(sidecar.awaitExit(Duration.ofSeconds(30))).isEqualTo(5);
        assertThat(sidecar.output()).contains("cannot reach the gateway at 198.18.0.2:444");
    }

    @Test
    void sigtermLogsOutAndLeavesNothingBehind() throws Exception {
        Set<String> routesBefore = PodRoutes.of(lab.podNamespace(), "-4");
        sidecar = connect(lab.password(), "--cafile", lab.caFile().toString());
        sidecar.awaitReady(READY);
        String address = sidecar.status().path("address").asText();
        assertThat(lab.gatewayUsers()).contains(address);

        sidecar.signal("TERM");

        assertThat(sidecar.awaitExit(Duration.ofSeconds(15))).isZero();
        assertThat(PodRoutes.links(lab.podNamespace())).doesNotContain("vpn0");
        assertThat(PodRoutes.of(lab.podNamespace(), "-4")).isEqualTo(routesBefore);
        assertThat(lab.gatewayUsers()).as("the gateway ended the session").doesNotContain(address);
    }

    @Test
    void startsCleanlyOverALeftoverDeviceAndRoutes() throws Exception {
        String ns = lab.podNamespace();
        Commands.run("ip", "-n", ns, "tuntap", "add", "vpn0", "mode", "tun");
        Commands.run("ip", "-n", ns, "addr", "add", "10.99.0.200/32", "dev", "vpn0");
        Commands.run("ip", "-n", ns, "link", "set", "vpn0", "up");
        Commands.run("ip", "-n", ns, "route", "add", "10.20.0.0/16", "dev", "vpn0", "proto", "151");
        Commands.run("ip", "-n", ns, "route", "add", "198.18.0.2", "via", "172.30.0.1", "proto", "151");
        Commands.run("ip", "-n", ns, "route", "add", "10.20.3.0/24", "via", "172.30.0.1", "proto", "151");

        sidecar = connect(lab.password(), "--cafile", lab.caFile().toString());
        sidecar.awaitReady(READY);

        assertThat(sidecar.output()).contains("removing tun device vpn0 left by an earlier run");
        assertThat(Commands.run("ip", "-n", ns, "-o", "addr", "show", "dev", "vpn0"))
                .doesNotContain("10.99.0.200");
        assertThat(PodRoutes.of(ns, "-4"))
                .filteredOn(r -> r.contains("proto 151"))
                .hasSize(6);
        assertThat(lab.exec(ns, "ping", "-c", "1", "-W", "2", lab.get("LAB_CORP_HOST_1")))
                .contains("1 received");
    }

    /** The pod address's score in ocserv's ban table ({@code occtl show ip ban points}), 0 when it has none. */
    private static long banScore() throws Exception {
        JsonNode points = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(lab.exec(
                        lab.gatewayNamespace(),
                        "occtl",
                        "-s",
                        lab.get("LAB_OCCTL_SOCKET"),
                        "-j",
                        "show",
                        "ip",
                        "ban",
                        "points"));
        for (JsonNode entry : points) {
            if (entry.path("IP").asText().equals(lab.get("LAB_POD_ADDRESS"))) {
                return entry.path("Score").asLong();
            }
        }
        return 0;
    }

    private static SidecarProcess connect(String password, String... trust) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(trust));
        args.addAll(List.of(
                "-u",
                lab.user(),
                "--passwd-on-stdin",
                "--no-dtls",
                "--http-address",
                SidecarProcess.HTTP_ADDRESS,
                lab.gatewayUrl()));
        return SidecarProcess.start(lab.podNamespace(), password + "\n", args.toArray(String[]::new));
    }

    private static String labCertificatePin() throws Exception {
        Path certificate = lab.caFile().resolveSibling("server.pem");
        X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certificate)));
        return dev.corridor.sidecar.transport.PublicKeyPin.of(x509).toString();
    }

    private static int countOccurrences(String text, String needle) {
        int count = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            count++;
        }
        return count;
    }
}
