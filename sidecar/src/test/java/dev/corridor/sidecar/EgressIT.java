package dev.corridor.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.corridor.sidecar.testing.Commands;
import dev.corridor.sidecar.testing.Firewall;
import dev.corridor.sidecar.testing.GatewayLab;
import dev.corridor.sidecar.testing.NetworkNamespace;
import dev.corridor.sidecar.testing.PacketCapture;
import dev.corridor.sidecar.testing.SidecarProcess;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shared egress against the real ocserv: the lab's pod namespace is the egress pod, running the sidecar with
 * forwards, a SOCKS5 and an HTTP proxy; a "client pod" namespace, which the test creates, reaches it over a veth and
 * has no route anywhere else. The corporate host 10.20.1.10 (db.corp.test, from the corporate dnsmasq) serves a
 * 20 MB file over HTTP (the JDK's server) and HTTPS ({@code openssl s_server} with a certificate from the lab's CA).
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class EgressIT {
    /** A loaded two-core machine takes its time to start two JVMs and log in twice. */
    private static final Duration READY = Duration.ofSeconds(60);

    private static final String EGRESS = "192.168.77.1";
    private static final String CLIENT = "192.168.77.2";
    /** A second address of the client pod, outside the allowed sources. */
    private static final String STRANGER = "192.168.77.3";

    private static final int FILE_SIZE = 20 << 20;

    private static GatewayLab lab;
    private static NetworkNamespace client;
    private static SidecarProcess egress;
    private static HttpServer http;
    private static Process https;
    private static Path served;
    private static String fileSha256;
    private static final Set<String> httpPeers = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() throws Exception {
        lab = GatewayLab.start("coregr", "dpd = 2");
        client = NetworkNamespace.create("cor-egcli");
        veth("egc0", client.name(), CLIENT + "/24", "egp0", lab.podNamespace(), EGRESS + "/24");
        client.exec("ip", "addr", "add", STRANGER + "/24", "dev", "egc0");
        serveCorporateFile();
        egress = SidecarProcess.start(
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
                "--forward",
                "0.0.0.0:15432=db.corp.test:8080",
                "--forward",
                "0.0.0.0:15433=10.20.1.10:8080",
                "--socks-listen",
                "0.0.0.0:1080",
                "--http-proxy-listen",
                "0.0.0.0:3128",
                "--proxy-allow-source",
                CLIENT + "/32",
                "--reconnect-max-delay",
                "2",
                lab.gatewayUrl());
        egress.awaitReady(READY);
    }

    @AfterAll
    static void stop() throws Exception {
        if (egress != null) {
            egress.close();
        }
        if (http != null) {
            http.stop(0);
        }
        if (https != null) {
            https.destroyForcibly();
        }
        if (client != null) {
            client.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** The 20 MB file over every listener, to the corporate host by address and by corporate name; each copy hashed. */
    @Test
    void everyListenerCarriesTheFileToTheCorporateHost() throws Exception {
        assertThat(fetch("http://" + EGRESS + ":15432/file"))
                .as("a forward to a corporate name")
                .isEqualTo(fileSha256);
        assertThat(fetch("http://" + EGRESS + ":15433/file"))
                .as("a forward to a corporate address")
                .isEqualTo(fileSha256);
        assertThat(fetch("--socks5-hostname", EGRESS + ":1080", "http://db.corp.test:8080/file"))
                .as("SOCKS5, a name")
                .isEqualTo(fileSha256);
        assertThat(fetch("--socks5-hostname", EGRESS + ":1080", "http://10.20.1.10:8080/file"))
                .as("SOCKS5, an address")
                .isEqualTo(fileSha256);
        assertThat(fetch("-x", "http://" + EGRESS + ":3128", "http://db.corp.test:8080/file"))
                .as("plain http through the proxy")
                .isEqualTo(fileSha256);
        assertThat(fetch(
                        "-x",
                        "http://" + EGRESS + ":3128",
                        "--cacert",
                        lab.caFile().toString(),
                        "https://db.corp.test:8443/file"))
                .as("https through CONNECT")
                .isEqualTo(fileSha256);
        assertThat(fetch(
                        "-x",
                        "http://" + EGRESS + ":3128",
                        "--cacert",
                        lab.caFile().toString(),
                        "https://10.20.1.10:8443/file"))
                .as("https through CONNECT, an address")
                .isEqualTo(fileSha256);
        String vpnAddress = egress.status().path("address").asText();
        assertThat(httpPeers)
                .as("the corporate server saw only the VPN address")
                .containsExactly(vpnAddress);
    }

    /** One flow line per connection, and metrics that add up to what the lines say. */
    @Test
    void theFlowLogAndTheMetricsMatchTheTransfers() throws Exception {
        String metricsBefore = egress.httpGet("/metrics");
        int linesBefore = flowLines("forward/0.0.0.0:15432").size();
        for (int i = 0; i < 2; i++) {
            assertThat(fetch("http://" + EGRESS + ":15432/file")).isEqualTo(fileSha256);
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> flowLines("forward/0.0.0.0:15432").size() == linesBefore + 2);
        List<Matcher> lines = flowLines("forward/0.0.0.0:15432").subList(linesBefore, linesBefore + 2);
        long toClient = 0;
        long fromClient = 0;
        for (Matcher line : lines) {
            assertThat(line.group("source")).startsWith(CLIENT + ":");
            assertThat(line.group("destination")).isEqualTo("db.corp.test:8080");
            assertThat(line.group("address")).isEqualTo("10.20.1.10");
            assertThat(line.group("outcome")).isEqualTo("completed");
            assertThat(Long.parseLong(line.group("to")))
                    .as("the file and a response head")
                    .isBetween((long) FILE_SIZE, FILE_SIZE + 1024L);
            toClient += Long.parseLong(line.group("to"));
            fromClient += Long.parseLong(line.group("from"));
        }
        String metricsAfter = egress.httpGet("/metrics");
        String series = "corridor_egress_bytes_total{direction=\"%s\",listener=\"0.0.0.0:15432\",protocol=\"forward\"}";
        assertThat(metric(metricsAfter, series.formatted("to_client"))
                        - metric(metricsBefore, series.formatted("to_client")))
                .isEqualTo(toClient);
        assertThat(metric(metricsAfter, series.formatted("from_client"))
                        - metric(metricsBefore, series.formatted("from_client")))
                .isEqualTo(fromClient);
        String completed =
                "corridor_egress_connections_total{listener=\"0.0.0.0:15432\",outcome=\"completed\",protocol=\"forward\"}";
        assertThat(metric(metricsAfter, completed) - metric(metricsBefore, completed))
                .isEqualTo(2);
    }

    /** 10.20.3.10 is split-excluded by the gateway: routed around the tunnel, so not an egress destination. */
    @Test
    void aDestinationOutsideTheTunnelsRoutesIsRefusedWithTheStatedReply() throws Exception {
        Commands.Result socks = curl("--socks5-hostname", EGRESS + ":1080", "http://10.20.3.10:80/");
        assertThat(socks.exitCode()).as("curl: %s", socks.stderr()).isEqualTo(97);
        assertThat(socks.stderr())
                .as("SOCKS5 reply 2: connection not allowed by ruleset")
                .contains("(2)");
        Commands.Result proxy = curl("-x", "http://" + EGRESS + ":3128", "-w", "%{http_code}", "http://10.20.3.10:80/");
        assertThat(proxy.stdout())
                .startsWith("corridor egress: 10.20.3.10 is not in a network routed through the VPN tunnel")
                .endsWith("403");
        Commands.Result connect = curl("-x", "http://" + EGRESS + ":3128", "https://172.30.0.1:443/");
        assertThat(connect.stderr()).as("CONNECT to the cluster network").contains("403");
        assertThat(flowLog())
                .contains("destination=10.20.3.10:80 address=- from_client=")
                .contains("outcome=not_routed");
    }

    @Test
    void aSourceOutsideTheAllowedNetworksIsRefused() throws Exception {
        Commands.Result refused = curl("--interface", STRANGER, "http://" + EGRESS + ":15432/file");
        // Reset as it is accepted: curl sees it as a failed connect (7), an empty reply (52) or a failed receive (56).
        assertThat(refused.exitCode()).as("curl: %s", refused.stderr()).isIn(7, 52, 56);
        Commands.Result socks =
                curl("--interface", STRANGER, "--socks5-hostname", EGRESS + ":1080", "http://db.corp.test:8080/file");
        assertThat(socks.exitCode()).isNotZero();
        assertThat(flowLog())
                .containsPattern(
                        "source=" + Pattern.quote(STRANGER) + ":\\d+ destination=- .* outcome=source_not_allowed");
        assertThat(egress.httpGet("/metrics"))
                .containsPattern(
                        "corridor_egress_connections_total\\{listener=\"0.0.0.0:15432\",outcome=\"source_not_allowed\",protocol=\"forward\"} [1-9]");
    }

    /** While the session is down: refused at once, /readyz 503, and nothing leaves the egress pod's own interface. */
    @Test
    void withTheGatewaySilencedNewConnectionsAreRefusedAtOnceAndNothingLeaks() throws Exception {
        try (PacketCapture eth0 = PacketCapture.start(lab.podNamespace(), "eth0")) {
            try (Firewall silence = Firewall.onInput(
                    lab.gatewayNamespace(), "corridor_test", "meta l4proto { tcp, udp } th dport 443 drop")) {
                await().atMost(Duration.ofSeconds(15))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> egress.httpStatus("/readyz") == 503);
                for (List<String> request : List.of(
                        List.of("http://" + EGRESS + ":15432/file"),
                        List.of("--socks5-hostname", EGRESS + ":1080", "http://db.corp.test:8080/file"),
                        List.of("-x", "http://" + EGRESS + ":3128", "http://db.corp.test:8080/file"))) {
                    long started = System.nanoTime();
                    Commands.Result refused = curl(request.toArray(String[]::new));
                    assertThat(refused.exitCode()).as("curl %s", request).isNotZero();
                    assertThat(Duration.ofNanos(System.nanoTime() - started))
                            .as("at once, not after a timeout")
                            .isLessThan(Duration.ofSeconds(2));
                }
            }
            assertThat(eth0.count("host 10.20.1.10 or port 8080 or port 53"))
                    .as("corporate traffic on the pod's own interface")
                    .isZero();
        }
        assertThat(flowLog()).contains("outcome=tunnel_down");
        egress.awaitReady(Duration.ofSeconds(20));
        assertThat(fetch("http://" + EGRESS + ":15432/file"))
                .as("served again once the session is back")
                .isEqualTo(fileSha256);
    }

    /** Two egress pods, each with its own session: killing one leaves the other serving the client's next connection. */
    @Test
    void withTwoInstancesKillingOneLeavesTheOther() throws Exception {
        String node = lab.get("LAB_NODE_NS");
        try (NetworkNamespace second = NetworkNamespace.create("cor-egb")) {
            veth("egb0", second.name(), "172.31.0.2/24", "egbnode", node, "172.31.0.1/24");
            second.exec("ip", "route", "add", "default", "via", "172.31.0.1");
            lab.exec(lab.gatewayNamespace(), "ip", "route", "replace", "172.31.0.0/24", "via", "198.18.0.1");
            veth("egc1", client.name(), "192.168.78.2/24", "egp1", second.name(), "192.168.78.1/24");
            Path netnsDir = Path.of("/etc/netns", second.name());
            Files.createDirectories(netnsDir);
            Files.writeString(netnsDir.resolve("resolv.conf"), "nameserver 172.30.0.1\n");
            try (SidecarProcess other = SidecarProcess.start(
                    second.name(),
                    lab.password() + "\n",
                    "--cafile",
                    lab.caFile().toString(),
                    "-u",
                    lab.user(),
                    "--passwd-on-stdin",
                    "--http-address",
                    SidecarProcess.HTTP_ADDRESS,
                    "--dns-upstream",
                    "172.30.0.1",
                    "--forward",
                    "0.0.0.0:15432=db.corp.test:8080",
                    "--proxy-allow-source",
                    "192.168.78.2/32",
                    "--reconnect-max-delay",
                    "2",
                    "https://198.18.0.2/")) {
                other.awaitReady(READY);
                assertThat(fetch("http://192.168.78.1:15432/file"))
                        .as("through the second instance")
                        .isEqualTo(fileSha256);
                other.signal("KILL");
                other.awaitExit(Duration.ofSeconds(10));
                assertThat(curl("http://192.168.78.1:15432/file").exitCode())
                        .as("the killed instance's port")
                        .isEqualTo(7);
                assertThat(fetch("http://" + EGRESS + ":15432/file"))
                        .as("the next connection, through the first")
                        .isEqualTo(fileSha256);
                assertThat(egress.httpStatus("/readyz")).isEqualTo(200);
            } finally {
                Commands.runAllowingFailure(
                        List.of("ip", "-n", lab.gatewayNamespace(), "route", "del", "172.31.0.0/24"));
                Commands.runAllowingFailure(List.of("rm", "-rf", netnsDir.toString()));
            }
        }
    }

    private static void serveCorporateFile() throws Exception {
        Path dir = Files.createTempDirectory("corridor-egress");
        served = dir.resolve("file");
        byte[] content = new byte[FILE_SIZE];
        new SplittableRandom(16).nextBytes(content);
        Files.write(served, content);
        fileSha256 =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        try (NetworkNamespace corp = NetworkNamespace.attach(lab.corpNamespace())) {
            http = corp.call(() -> HttpServer.create(new InetSocketAddress("10.20.1.10", 8080), 16));
        }
        ExecutorService threads = Executors.newFixedThreadPool(
                4, Thread.ofPlatform().daemon().name("corp-http").factory());
        http.setExecutor(threads);
        http.createContext("/file", exchange -> {
            httpPeers.add(exchange.getRemoteAddress().getAddress().getHostAddress());
            exchange.sendResponseHeaders(200, content.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(content);
            }
        });
        http.start();
        // HTTPS: a certificate for db.corp.test from the lab's CA, served by openssl from the file's directory.
        Path labDir = lab.directory();
        Files.writeString(
                dir.resolve("db.ext"), "subjectAltName=DNS:db.corp.test,IP:10.20.1.10\nextendedKeyUsage=serverAuth\n");
        Commands.run(
                "openssl",
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                "/CN=db.corp.test",
                "-keyout",
                dir.resolve("db.key").toString(),
                "-out",
                dir.resolve("db.csr").toString());
        Commands.run(
                "openssl",
                "x509",
                "-req",
                "-in",
                dir.resolve("db.csr").toString(),
                "-CA",
                labDir.resolve("ca.pem").toString(),
                "-CAkey",
                labDir.resolve("ca.key").toString(),
                "-CAcreateserial",
                "-days",
                "1",
                "-extfile",
                dir.resolve("db.ext").toString(),
                "-out",
                dir.resolve("db.pem").toString());
        https = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        lab.corpNamespace(),
                        "openssl",
                        "s_server",
                        "-quiet",
                        "-WWW",
                        "-accept",
                        "10.20.1.10:8443",
                        "-cert",
                        dir.resolve("db.pem").toString(),
                        "-key",
                        dir.resolve("db.key").toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("s_server.log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Commands.runAllowingFailure(
                                List.of("ip", "netns", "exec", lab.corpNamespace(), "ss", "-Htln", "sport = :8443"))
                        .stdout()
                        .contains("8443"));
    }

    private static void veth(
            String name, String namespace, String address, String peer, String peerNamespace, String peerAddress)
            throws Exception {
        Commands.run(
                "ip",
                "link",
                "add",
                name,
                "netns",
                namespace,
                "type",
                "veth",
                "peer",
                "name",
                peer,
                "netns",
                peerNamespace);
        Commands.run("ip", "-n", namespace, "addr", "add", address, "dev", name);
        Commands.run("ip", "-n", peerNamespace, "addr", "add", peerAddress, "dev", peer);
        Commands.run("ip", "-n", namespace, "link", "set", name, "up");
        Commands.run("ip", "-n", peerNamespace, "link", "set", peer, "up");
    }

    /** curl in the client pod; the body to a file, hashed. */
    private static String fetch(String... arguments) throws Exception {
        Path body = Files.createTempFile("corridor-egress", ".body");
        try {
            List<String> command = new ArrayList<>(List.of("-o", body.toString(), "-f"));
            command.addAll(List.of(arguments));
            Commands.Result result = curl(command.toArray(String[]::new));
            assertThat(result.exitCode())
                    .as("curl %s: %s", List.of(arguments), result.stderr())
                    .isZero();
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(body)));
        } finally {
            Files.deleteIfExists(body);
        }
    }

    private static Commands.Result curl(String... arguments) throws Exception {
        List<String> command =
                new ArrayList<>(List.of("ip", "netns", "exec", client.name(), "curl", "-sS", "--max-time", "60"));
        command.addAll(List.of(arguments));
        return Commands.runAllowingFailure(command);
    }

    private static String flowLog() throws Exception {
        return egress.output()
                .lines()
                .filter(line -> line.contains(" egress flow "))
                .reduce("", (a, b) -> a + b + "\n");
    }

    private static final Pattern FLOW = Pattern.compile(
            "egress flow listener=(?<listener>\\S+) source=(?<source>\\S+) destination=(?<destination>\\S+) "
                    + "address=(?<address>\\S+) from_client=(?<from>\\d+) to_client=(?<to>\\d+) duration_ms=\\d+ outcome=(?<outcome>\\S+)");

    private static List<Matcher> flowLines(String listener) throws Exception {
        List<Matcher> lines = new ArrayList<>();
        for (String line : flowLog().lines().toList()) {
            Matcher matcher = FLOW.matcher(line);
            if (matcher.find() && matcher.group("listener").equals(listener)) {
                lines.add(matcher);
            }
        }
        return lines;
    }

    private static long metric(String scrape, String series) {
        return scrape.lines()
                .filter(line -> line.startsWith(series + " "))
                .findFirst()
                .map(line -> (long) Double.parseDouble(line.substring(series.length() + 1)))
                .orElse(0L);
    }
}
