package dev.corridor.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corridor.sidecar.testing.Background;
import dev.corridor.sidecar.testing.Commands;
import dev.corridor.sidecar.testing.Firewall;
import dev.corridor.sidecar.testing.GatewayLab;
import dev.corridor.sidecar.testing.NetworkNamespace;
import dev.corridor.sidecar.testing.PacketCapture;
import dev.corridor.sidecar.testing.PodRoutes;
import dev.corridor.sidecar.testing.SidecarProcess;
import dev.corridor.sidecar.testing.TcpTransfer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults against the real ocserv: the gateway going silent, crashing, disconnecting the session, coming back with
 * another address pool or another certificate; credentials refused and rotated; loss on the path; the sidecar
 * itself killed. After each, the tunnel is back (or refuses, and says why) with exactly one tun device and one set
 * of routes, and while it was down nothing meant for it left around it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ResilienceIT {
    private static final Duration READY = Duration.ofSeconds(20);
    /** The gateway probes and expects answers every 2 s: a dead peer is declared after 4 s. */
    private static final String DPD = "dpd = 2";

    private static final Set<String> GATEWAY_ROUTES = Set.of(
            "198.18.0.2 via 172.30.0.1 dev eth0 proto 151",
            "10.20.3.0/24 via 172.30.0.1 dev eth0 proto 151",
            "10.20.0.0/16 dev vpn0 proto 151",
            "10.99.0.0/24 dev vpn0 proto 151",
            "unreachable 10.20.0.0/16 proto 151 metric 1000000",
            "unreachable 10.99.0.0/24 proto 151 metric 1000000");

    private final List<AutoCloseable> resources = new ArrayList<>();
    private GatewayLab lab;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void aSilentGatewayTakesReadinessAwayAndNothingLeaksAroundTheTunnelUntilItIsBack() throws Exception {
        lab = GatewayLab.start("corsil", DPD);
        SidecarProcess sidecar = sidecar("--reconnect-max-delay", "2");
        sidecar.awaitReady(READY);
        String address = sidecar.status().path("address").asText();
        NetworkNamespace pod = keep(NetworkNamespace.attach(lab.podNamespace()));
        NetworkNamespace corp = keep(NetworkNamespace.attach(lab.corpNamespace()));
        // A TCP stream that runs across the outage: 4 MiB over about 12 s.
        CompletableFuture<TcpTransfer.Outcome> stream =
                Background.supply(() -> transfer(pod, corp, 4 << 20, Duration.ofMillis(180)));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> sidecar.status().path("traffic").path("bytesSent").asLong() > 256 << 10);
        PacketCapture eth0 = keep(PacketCapture.start(lab.podNamespace(), "eth0"));

        long silentSince;
        try (Firewall silence = Firewall.onInput(
                lab.gatewayNamespace(), "corridor_test", "meta l4proto { tcp, udp } th dport 443 drop")) {
            silentSince = System.nanoTime();
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> sidecar.httpStatus("/readyz") == 503);
            Duration noticed = Duration.ofNanos(System.nanoTime() - silentSince);
            assertThat(noticed)
                    .as("readiness goes within the DPD window (2 x 2 s, and a poll)")
                    .isLessThan(Duration.ofSeconds(7));

            JsonNode down = sidecar.status();
            assertThat(down.path("state").asText()).isEqualTo("reconnecting");
            assertThat(down.path("reconnect").path("reason").asText())
                    .startsWith("peer dead: nothing received from the gateway");
            assertThat(PodRoutes.of(lab.podNamespace(), "-4"))
                    .as("the tunnel's routes stay on the device")
                    .containsAll(GATEWAY_ROUTES);
            assertThat(Commands.runAllowingFailure(List.of(
                                    "ip",
                                    "netns",
                                    "exec",
                                    lab.podNamespace(),
                                    "ping",
                                    "-c",
                                    "3",
                                    "-W",
                                    "1",
                                    lab.get("LAB_CORP_HOST_1")))
                            .exitCode())
                    .isNotZero();
            assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "2", "-W", "2", lab.get("LAB_EXCLUDED_HOST")))
                    .contains("2 received");
            await().atMost(Duration.ofSeconds(5))
                    .until(() ->
                            sidecar.status().path("reconnect").path("attempts").asInt() >= 1);
        }

        sidecar.awaitReady(Duration.ofSeconds(10));
        JsonNode back = sidecar.status();
        assertThat(back.path("address").asText())
                .as("the cookie kept the address")
                .isEqualTo(address);
        long droppedWhileDown = back.path("traffic").path("droppedWhileDown").asLong();
        assertThat(droppedWhileDown).isGreaterThanOrEqualTo(3);
        TcpTransfer.Outcome outcome = stream.get();
        assertThat(outcome.received().sha256())
                .as("the TCP stream survived the outage intact")
                .isEqualTo(outcome.sentSha256());
        assertThat(eth0.count("dst net 10.20.1.0/24 or dst net 10.20.2.0/24"))
                .as("corporate-bound packets on eth0")
                .isZero();
        assertThat(eth0.count("dst host " + lab.get("LAB_EXCLUDED_HOST")))
                .as("the capture saw the excluded host's pings")
                .isPositive();
        assertThat(sidecar.httpGet("/metrics"))
                .contains("corridor_tunnel_reconnects_total{reason=\"peer_dead\"} 1.0")
                .contains("corridor_tunnel_dpd_timeouts_total{channel=\"cstp\"} 1.0")
                .contains("corridor_tunnel_outage_dropped_packets_total " + droppedWhileDown + ".0");
        assertOneTunnel();
    }

    @Test
    void aCrashedGatewayIsLoggedInToAgainOnceItIsBack() throws Exception {
        lab = GatewayLab.start("corcra", DPD);
        SidecarProcess sidecar = sidecar("--reconnect-max-delay", "2");
        sidecar.awaitReady(READY);

        lab.stopGateway(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> sidecar.httpStatus("/readyz") == 503);
        assertThat(sidecar.status().path("reconnect").path("reason").asText()).startsWith("connection lost");
        // Attempts fail while the gateway is away.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> sidecar.status().path("reconnect").path("attempts").asInt() >= 2);
        lab.startGateway();

        sidecar.awaitReady(Duration.ofSeconds(10));
        // The restarted gateway refused the cookie, so the session came back with a second, fresh login.
        assertThat(sidecar.httpGet("/metrics"))
                .contains("corridor_tunnel_authentications_total{outcome=\"success\"} 2.0")
                .contains("corridor_tunnel_reconnects_total{reason=\"connection_lost\"} 1.0");
        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "2", "-W", "2", lab.get("LAB_CORP_HOST_1")))
                .contains("2 received");
        assertOneTunnel();
    }

    @Test
    void aSessionTheGatewayEndsIsReEstablishedWithAFreshLogin() throws Exception {
        lab = GatewayLab.start("cordis", DPD, "session-timeout = 600");
        SidecarProcess sidecar = sidecar();
        sidecar.awaitReady(READY);
        JsonNode before = sidecar.status();
        assertThat(Duration.between(
                                Instant.parse(before.path("connectedSince").asText()),
                                Instant.parse(before.path("sessionExpires").asText()))
                        .toSeconds())
                .isBetween(595L, 600L);

        long disconnected = System.nanoTime();
        lab.disconnect(lab.user());
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !sidecar.status()
                                .path("connectedSince")
                                .asText()
                                .equals(before.path("connectedSince").asText())
                        && sidecar.httpStatus("/readyz") == 200);
        assertThat(Duration.ofNanos(System.nanoTime() - disconnected)).isLessThan(Duration.ofSeconds(3));
        assertThat(sidecar.httpGet("/metrics"))
                .contains("corridor_tunnel_reconnects_total{reason=\"gateway_disconnected\"} 1.0")
                .contains("corridor_tunnel_authentications_total{outcome=\"success\"} 2.0");
        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "2", "-W", "2", lab.get("LAB_CORP_HOST_1")))
                .contains("2 received");
        assertOneTunnel();
    }

    /**
     * The gateway's idle timeout ends a session that carried no data (ocserv checks it every 30 s or so); the sidecar
     * announces when in {@code idleExpires}, and logs in again at once, since the gateway voided the cookie.
     */
    @Test
    void anIdleTimeoutIsFollowedByAFreshLogin() throws Exception {
        lab = GatewayLab.start("coridl", DPD, "idle-timeout = 10");
        SidecarProcess sidecar = sidecar();
        sidecar.awaitReady(READY);
        JsonNode first = sidecar.status();
        Instant connected = Instant.parse(first.path("connectedSince").asText());
        assertThat(Duration.between(
                        connected, Instant.parse(first.path("idleExpires").asText())))
                .as("idleExpires: the last data (the set-up) plus the 10 s idle timeout")
                .isBetween(Duration.ofSeconds(8), Duration.ofSeconds(12));

        // ocserv notices an idle session on its own periodic check, not at the 10 s mark: alone this takes about 50 s,
        // and once a full suite on a loaded machine needed more than 90 s.
        await().atMost(Duration.ofSeconds(150))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> sidecar.httpGet("/metrics")
                        .contains("corridor_tunnel_reconnects_total{reason=\"gateway_disconnected\"} 1.0"));
        sidecar.awaitReady(Duration.ofSeconds(10));
        assertThat(sidecar.httpGet("/metrics"))
                .contains("corridor_tunnel_authentications_total{outcome=\"success\"} 2.0");
        assertThat(lab.ocservLog()).contains("idle timeout reached");
        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "2", "-W", "2", lab.get("LAB_CORP_HOST_1")))
                .contains("2 received");
        assertOneTunnel();
    }

    @Test
    void aSessionNearTheGatewaysSessionTimeoutIsRenewedBeforeItStrikes() throws Exception {
        lab = GatewayLab.start("corren", DPD, "session-timeout = 30");
        SidecarProcess sidecar = sidecar();
        sidecar.awaitReady(READY);
        String firstSince = sidecar.status().path("connectedSince").asText();
        NetworkNamespace pod = keep(NetworkNamespace.attach(lab.podNamespace()));
        NetworkNamespace corp = keep(NetworkNamespace.attach(lab.corpNamespace()));
        // A TCP stream across the renewal, due 20 s after the login (10 s before the gateway's 30 s): it starts 14 s
        // after
        // the login and runs for about 12 s.
        Instant streamStart = Instant.parse(firstSince).plusSeconds(14);
        await().atMost(Duration.ofSeconds(20)).until(() -> !Instant.now().isBefore(streamStart));
        TcpTransfer.Outcome outcome = transfer(pod, corp, 4 << 20, Duration.ofMillis(180));

        assertThat(outcome.received().sha256())
                .as("the TCP stream survived the renewal intact")
                .isEqualTo(outcome.sentSha256());
        JsonNode renewed = sidecar.status();
        assertThat(renewed.path("connectedSince").asText()).as("a new session").isNotEqualTo(firstSince);
        assertThat(Duration.between(
                        Instant.parse(firstSince),
                        Instant.parse(renewed.path("connectedSince").asText())))
                .as("renewed 10 s before the 30 s session timeout")
                .isBetween(Duration.ofSeconds(19), Duration.ofSeconds(22));
        assertThat(sidecar.httpGet("/metrics"))
                .contains("corridor_tunnel_reconnects_total{reason=\"renewal\"} 1.0")
                .contains("corridor_tunnel_reconnects_total{reason=\"gateway_disconnected\"} 0.0");
        assertThat(lab.gatewayUsers()
                        .lines()
                        .filter(line -> line.contains(lab.user()))
                        .count())
                .as("the old session logged out")
                .isEqualTo(1);
        assertOneTunnel();
    }

    @Test
    void aNewAddressAfterReconnectingReplacesTheOldOneCompletely() throws Exception {
        lab = GatewayLab.start("coradr", DPD);
        SidecarProcess sidecar = sidecar("--reconnect-max-delay", "2");
        sidecar.awaitReady(READY);
        assertThat(sidecar.status().path("address").asText()).startsWith("10.99.0.");

        lab.stopGateway(false);
        lab.exec(lab.corpNamespace(), "ip", "route", "add", "10.98.0.0/24", "via", "10.20.0.1");
        lab.startGateway("ipv4-network = 10.98.0.0");

        await().atMost(Duration.ofSeconds(15))
                .until(() -> sidecar.httpStatus("/readyz") == 200
                        && sidecar.status().path("address").asText().startsWith("10.98.0."));
        String address = sidecar.status().path("address").asText();
        assertThat(PodRoutes.of(lab.podNamespace(), "-4"))
                .containsExactlyInAnyOrder(
                        "default via 172.30.0.1 dev eth0",
                        "172.30.0.0/24 dev eth0 proto kernel",
                        "198.18.0.2 via 172.30.0.1 dev eth0 proto 151",
                        "10.20.3.0/24 via 172.30.0.1 dev eth0 proto 151",
                        "10.20.0.0/16 dev vpn0 proto 151",
                        "10.98.0.0/24 dev vpn0 proto 151",
                        "unreachable 10.20.0.0/16 proto 151 metric 1000000",
                        "unreachable 10.98.0.0/24 proto 151 metric 1000000");
        assertThat(lab.exec(lab.podNamespace(), "ip", "-o", "-4", "addr", "show", "dev", "vpn0")
                        .strip()
                        .lines()
                        .toList())
                .singleElement()
                .asString()
                .contains("inet " + address + "/32");
        assertThat(lab.exec(lab.podNamespace(), "ip", "route", "get", lab.get("LAB_CORP_HOST_1")))
                .contains("src " + address);
        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "2", "-W", "2", lab.get("LAB_CORP_HOST_1")))
                .contains("2 received");
    }

    @Test
    void aGatewayBackWithAnUnpinnedCertificateIsRefusedWithoutSendingCredentials() throws Exception {
        lab = GatewayLab.start("corcert", DPD);
        Path pinned = lab.directory().resolve("server.pem");
        SidecarProcess sidecar = sidecar("--servercert", pin(pinned), "--reconnect-max-delay", "2");
        sidecar.awaitReady(READY);

        lab.stopGateway(false);
        Path rogueKey = lab.directory().resolve("rogue.key");
        Path rogueCert = lab.directory().resolve("rogue.pem");
        Commands.run(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=vpn.corp.test",
                "-addext",
                "subjectAltName=DNS:vpn.corp.test",
                "-keyout",
                rogueKey.toString(),
                "-out",
                rogueCert.toString());
        int logBefore = lab.ocservLog().length();
        lab.startGateway("server-cert = " + rogueCert, "server-key = " + rogueKey);

        await().atMost(Duration.ofSeconds(15))
                .until(() -> sidecar.status().path("error").asText().contains("not trusted"));
        JsonNode refused = sidecar.status();
        assertThat(refused.path("state").asText()).isEqualTo("reconnecting");
        assertThat(refused.path("error").asText())
                .contains("the gateway's certificate is not trusted")
                .contains(pin(rogueCert));
        int attempts = refused.path("reconnect").path("attempts").asInt();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> sidecar.status().path("reconnect").path("attempts").asInt() >= attempts + 2);
        assertThat(lab.ocservLog().substring(logBefore))
                .doesNotContain("user 'alice'")
                .doesNotContain("cookie");
        assertThat(PodRoutes.of(lab.podNamespace(), "-4")).containsAll(GATEWAY_ROUTES);

        lab.stopGateway(false);
        lab.startGateway(
                "server-cert = " + pinned, "server-key = " + lab.directory().resolve("server.key"));
        sidecar.awaitReady(Duration.ofSeconds(10));
        assertOneTunnel();
    }

    @Test
    void aSessionThatCannotBeReEstablishedInTimeEndsTheProcessAndLeavesNothing() throws Exception {
        lab = GatewayLab.start("cortim", DPD);
        SidecarProcess sidecar = sidecar("--reconnect-timeout", "4", "--reconnect-max-delay", "1");
        sidecar.awaitReady(READY);

        lab.stopGateway(false);

        assertThat(sidecar.awaitExit(Duration.ofSeconds(15))).isEqualTo(8);
        assertThat(sidecar.output()).contains("could not be re-established within 4 s");
        assertThat(PodRoutes.links(lab.podNamespace())).doesNotContain("vpn0");
        assertThat(PodRoutes.of(lab.podNamespace(), "-4")).noneMatch(route -> route.contains("proto 151"));
    }

    @Test
    void refusedCredentialsAreNotSentAgainUntilTheSecretChanges() throws Exception {
        lab = GatewayLab.start("corpwd", DPD);
        Path passwordFile = lab.directory().resolve("password");
        Files.writeString(passwordFile, "not-the-password\n");
        SidecarProcess sidecar = keep(SidecarProcess.start(
                lab.podNamespace(),
                "",
                "--cafile",
                lab.caFile().toString(),
                "-u",
                lab.user(),
                "--password-file",
                passwordFile.toString(),
                "--http-address",
                SidecarProcess.HTTP_ADDRESS,
                lab.gatewayUrl()));

        await().atMost(Duration.ofSeconds(15))
                .until(() -> sidecar.httpStatus("/status") == 200
                        && sidecar.status().path("error").asText().startsWith("authentication failed"));
        assertThat(sidecar.status().path("error").asText()).endsWith("waiting for the credentials to change");
        // The credential files are checked every 2 s: over 5 s, unchanged ones are never sent again.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> loginAttempts() == 1);
        assertThat(sidecar.httpGet("/metrics"))
                .contains("corridor_tunnel_authentications_total{outcome=\"rejected\"} 1.0");

        Files.writeString(passwordFile, lab.password() + "\n"); // the Secret is rotated
        sidecar.awaitReady(Duration.ofSeconds(10));
        assertThat(loginAttempts())
                .as("the refused login and the one with the new password")
                .isEqualTo(2);
        assertOneTunnel();
    }

    @Test
    void lossOnThePathSlowsTheTunnelButDoesNotBreakIt() throws Exception {
        lab = GatewayLab.start("corlos", DPD);
        SidecarProcess sidecar = sidecar();
        sidecar.awaitReady(READY);
        NetworkNamespace pod = keep(NetworkNamespace.attach(lab.podNamespace()));
        NetworkNamespace corp = keep(NetworkNamespace.attach(lab.corpNamespace()));

        try (Firewall loss = Firewall.onInput(
                lab.gatewayNamespace(),
                "corridor_test",
                "meta l4proto { tcp, udp } th dport 443 numgen random mod 100 < 5 drop")) {
            TcpTransfer.Outcome outcome = TcpTransfer.send(pod, corp, lab.get("LAB_CORP_HOST_2"), 5002, 5 << 20);
            assertThat(outcome.received().sha256()).isEqualTo(outcome.sentSha256());
        }
        assertThat(sidecar.httpStatus("/readyz")).isEqualTo(200);
        assertThat(sidecar.httpGet("/metrics")).contains("corridor_tunnel_reconnects_total{reason=\"peer_dead\"} 0.0");
        assertOneTunnel();
    }

    @Test
    void aSidecarKilledMidTransferStartsCleanlyInTheSameNamespace() throws Exception {
        lab = GatewayLab.start("corkil", DPD);
        SidecarProcess first = sidecar();
        first.awaitReady(READY);
        NetworkNamespace pod = keep(NetworkNamespace.attach(lab.podNamespace()));
        NetworkNamespace corp = keep(NetworkNamespace.attach(lab.corpNamespace()));
        // Paced (64 KiB every 20 ms, about 3 MB/s), so that it is certainly still running when the sidecar dies.
        CompletableFuture<TcpTransfer.Outcome> transfer =
                Background.supply(() -> transfer(pod, corp, 64 << 20, Duration.ofMillis(20)));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> first.status().path("traffic").path("bytesSent").asLong() > 1 << 20);

        assertThat(transfer).as("the transfer runs when the sidecar is killed").isNotDone();
        first.signal("KILL");
        first.awaitExit(Duration.ofSeconds(5));
        // The device is not persistent: the kernel removes it, and the routes through it, with the killed process's
        // descriptor. The routes the sidecar put on eth0 (the gateway's host route, the excluded subnets) and the
        // unreachable ones stay behind.
        assertThat(PodRoutes.links(lab.podNamespace()))
                .as("links after SIGKILL")
                .doesNotContain("vpn0");
        assertThat(PodRoutes.of(lab.podNamespace(), "-4"))
                .as("routes after SIGKILL")
                .contains(
                        "10.20.3.0/24 via 172.30.0.1 dev eth0 proto 151",
                        "unreachable 10.20.0.0/16 proto 151 metric 1000000")
                .noneMatch(route -> route.contains("vpn0"));

        SidecarProcess second = sidecar();
        second.awaitReady(READY);
        assertOneTunnel();
        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "2", "-W", "2", lab.get("LAB_CORP_HOST_1")))
                .contains("2 received");
        // The gateway frees the killed session once its DPD finds it dead.
        await().atMost(Duration.ofSeconds(20))
                .until(() -> lab.gatewayUsers()
                                .lines()
                                .filter(l -> l.contains(lab.user()))
                                .count()
                        == 1);

        // What the second run removed at its start is gone for good: had it left the first run's routes in place (its
        // own additions of the same routes fail as duplicates, and the end state would look right), they would still
        // be there once it stops, as it removes only what it installed.
        second.signal("TERM");
        assertThat(second.awaitExit(Duration.ofSeconds(10))).isZero();
        assertThat(PodRoutes.of(lab.podNamespace(), "-4")).noneMatch(route -> route.contains("proto 151"));
        assertThat(PodRoutes.links(lab.podNamespace())).doesNotContain("vpn0");
    }

    private SidecarProcess sidecar(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--cafile",
                lab.caFile().toString(),
                "-u",
                lab.user(),
                "--passwd-on-stdin",
                "--http-address",
                SidecarProcess.HTTP_ADDRESS));
        args.addAll(List.of(extra));
        args.add(lab.gatewayUrl());
        return keep(SidecarProcess.start(lab.podNamespace(), lab.password() + "\n", args.toArray(String[]::new)));
    }

    /** Exactly one tun device, with the gateway's routes, and nothing else of Corridor's. */
    private void assertOneTunnel() throws Exception {
        assertThat(PodRoutes.links(lab.podNamespace()).stream()
                        .filter(link -> link.startsWith("vpn"))
                        .toList())
                .containsExactly("vpn0");
        assertThat(PodRoutes.of(lab.podNamespace(), "-4").stream().filter(route -> route.contains("proto 151")))
                .containsExactlyInAnyOrderElementsOf(GATEWAY_ROUTES);
    }

    /** Logins the gateway received: ocserv logs the same line for each, refused or not (and nothing more by default). */
    private long loginAttempts() throws Exception {
        return lab.ocservLog()
                .lines()
                .filter(line -> line.contains("authentication to authenticate user"))
                .count();
    }

    private static TcpTransfer.Outcome transfer(
            NetworkNamespace pod, NetworkNamespace corp, long bytes, Duration pause) {
        try {
            return TcpTransfer.send(pod, corp, "10.20.2.10", 5001, bytes, pause);
        } catch (Exception e) {
            throw new IllegalStateException("the transfer failed", e);
        }
    }

    /** openconnect's pin of a certificate: the SHA-256 of its public key. */
    private static String pin(Path certificate) throws Exception {
        String base64 = Commands.run(
                        "bash",
                        "-c",
                        "openssl x509 -in " + certificate + " -pubkey -noout | openssl pkey -pubin -outform der"
                                + " | openssl dgst -sha256 -binary | base64")
                .strip();
        return "pin-sha256:" + base64;
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }
}
