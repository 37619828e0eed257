package dev.corridor.sidecar.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.corridor.sidecar.config.EgressConfig;
import dev.corridor.sidecar.http.Statuses;
import dev.corridor.sidecar.net.HostPort;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.session.TunnelState;
import dev.corridor.sidecar.session.TunnelStatus;
import dev.corridor.sidecar.testing.Background;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The egress listeners in-process, against real sockets on loopback: the "tunnel" routes 127.0.0.0/8 except
 * 127.0.0.99, and names resolve from a table. Clients are written byte by byte where the reply's bytes are the
 * behaviour (SOCKS statuses, HTTP heads).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EgressServerTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String OUTSIDE = "127.0.0.99";
    private static final Map<String, List<InetAddress>> NAMES = Map.of(
            "db.corp.test", List.of(InetAddress.ofLiteral("127.0.0.1")),
            "outside.corp.test", List.of(InetAddress.ofLiteral(OUTSIDE)));

    private final AtomicReference<TunnelStatus> tunnel = new AtomicReference<>(status(TunnelState.CONNECTED));
    private final BlockingQueue<Flow> flows = new LinkedBlockingQueue<>();
    private final AtomicLong fromClient = new AtomicLong();
    private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();
    private ServerSocket origin;
    private final List<String> originSaw = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startOrigin() throws IOException {
        origin = new ServerSocket(0, 50, LOOPBACK);
        closing.add(origin);
        Thread.ofPlatform().daemon().start(this::serveOrigin);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable resource : closing.reversed()) {
            resource.close();
        }
    }

    /**
     * The corporate server: "ECHO\n" echoes, "SINK\n" reads nothing more (a slow server), an HTTP request gets a
     * response whose body names its request line.
     */
    private void serveOrigin() {
        while (!origin.isClosed()) {
            Socket socket;
            try {
                socket = origin.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofPlatform().daemon().start(() -> {
                try (socket) {
                    InputStream in = socket.getInputStream();
                    String first = line(in);
                    originSaw.add(first);
                    OutputStream out = socket.getOutputStream();
                    if (first.equals("ECHO")) {
                        in.transferTo(out);
                    } else if (first.equals("SINK")) {
                        Thread.sleep(Long.MAX_VALUE);
                    } else {
                        String header;
                        while (!(header = line(in)).isEmpty()) {
                            originSaw.add(header);
                        }
                        byte[] body = ("you asked: " + first).getBytes(StandardCharsets.UTF_8);
                        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.write(body);
                        out.flush();
                        in.transferTo(OutputStream.nullOutputStream());
                    }
                } catch (IOException | InterruptedException e) {
                    // the client went away
                }
            });
        }
    }

    @Test
    void aForwardRelaysBothWaysAndLogsTheFlow() throws Exception {
        EgressServer egress = start(forward(new HostPort("db.corp.test", origin.getLocalPort())), EgressLimits.DEFAULT);
        byte[] data = new byte[4 << 20];
        new Random(7).nextBytes(data);
        try (Socket client = new Socket(LOOPBACK, egress.addresses().getFirst().getPort())) {
            client.getOutputStream().write("ECHO\n".getBytes(StandardCharsets.US_ASCII));
            var sending = Background.supply(() -> {
                try {
                    client.getOutputStream().write(data);
                    client.shutdownOutput();
                    return null;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] echoed = client.getInputStream().readAllBytes();
            sending.get(30, TimeUnit.SECONDS);
            assertThat(sha256(echoed)).isEqualTo(sha256(data));
        }
        Flow flow = flows.poll(10, TimeUnit.SECONDS);
        assertThat(flow.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(flow.destination()).contains(new HostPort("db.corp.test", origin.getLocalPort()));
        assertThat(flow.address()).contains(InetAddress.ofLiteral("127.0.0.1"));
        assertThat(flow.fromClient()).isEqualTo(data.length + 5);
        assertThat(flow.toClient()).isEqualTo(data.length);
        assertThat(flow.logLine())
                .startsWith("egress flow listener=forward/127.0.0.1:")
                .contains(
                        "destination=db.corp.test:" + origin.getLocalPort(),
                        "address=127.0.0.1",
                        "from_client=" + (data.length + 5),
                        "to_client=" + data.length,
                        "outcome=completed");
    }

    @Test
    void socks5ConnectsByNameThroughTheTunnelsDns() throws Exception {
        EgressServer egress = start(socks5(), EgressLimits.DEFAULT);
        Proxy proxy = new Proxy(Proxy.Type.SOCKS, egress.addresses().getFirst());
        try (Socket client = new Socket(proxy)) {
            client.connect(InetSocketAddress.createUnresolved("db.corp.test", origin.getLocalPort()));
            client.getOutputStream().write("ECHO\nhello".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("hello");
        }
        assertThat(flows.poll(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.COMPLETED);
    }

    @Test
    void socks5RefusesADestinationOutsideTheRoutesWithNotAllowedByRuleset() throws Exception {
        EgressServer egress = start(socks5(), EgressLimits.DEFAULT);
        assertThat(socks5Connect(egress, "outside.corp.test", 80))
                .as("reply 0x02: connection not allowed by ruleset")
                .isEqualTo(0x02);
        assertThat(flows.poll(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.NOT_ROUTED);
        assertThat(socks5Connect(egress, "nowhere.corp.test", 80))
                .as("0x04: host unreachable")
                .isEqualTo(0x04);
        assertThat(flows.poll(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.NAME_NOT_RESOLVED);
        assertThat(originSaw).isEmpty();
    }

    @Test
    void httpConnectOpensATunnelAndRefusesOutsideTheRoutesWith403() throws Exception {
        EgressServer egress = start(httpProxy(), EgressLimits.DEFAULT);
        try (Socket client = new Socket(LOOPBACK, egress.addresses().getFirst().getPort())) {
            send(client, "CONNECT db.corp.test:" + origin.getLocalPort() + " HTTP/1.1\r\nHost: db.corp.test\r\n\r\n");
            assertThat(head(client.getInputStream())).startsWith("HTTP/1.1 200 Connection established");
            send(client, "ECHO\nthrough the tunnel");
            client.shutdownOutput();
            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("through the tunnel");
        }
        assertThat(flows.poll(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.COMPLETED);
        try (Socket client = new Socket(LOOPBACK, egress.addresses().getFirst().getPort())) {
            send(client, "CONNECT " + OUTSIDE + ":443 HTTP/1.1\r\nHost: " + OUTSIDE + "\r\n\r\n");
            String reply = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(reply)
                    .startsWith("HTTP/1.1 403 Forbidden")
                    .contains("corridor egress: " + OUTSIDE + " is not in a network routed through the VPN tunnel");
        }
        assertThat(flows.poll(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.NOT_ROUTED);
    }

    @Test
    void aPlainHttpRequestGoesToItsServerInOriginForm() throws Exception {
        EgressServer egress = start(httpProxy(), EgressLimits.DEFAULT);
        try (Socket client = new Socket(LOOPBACK, egress.addresses().getFirst().getPort())) {
            send(
                    client,
                    "GET http://db.corp.test:" + origin.getLocalPort()
                            + "/reports?year=2026 HTTP/1.1\r\nHost: db.corp.test:" + origin.getLocalPort()
                            + "\r\nProxy-Connection: keep-alive\r\nProxy-Authorization: Basic c2VjcmV0\r\n\r\n");
            String reply = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(reply)
                    .startsWith("HTTP/1.1 200 OK")
                    .contains("connection: close")
                    .endsWith("you asked: GET /reports?year=2026 HTTP/1.1");
        }
        assertThat(originSaw)
                .noneMatch(header -> header.toLowerCase(Locale.ROOT).startsWith("proxy-"));
        assertThat(flows.poll(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.COMPLETED);
        try (Socket client = new Socket(LOOPBACK, egress.addresses().getFirst().getPort())) {
            send(client, "GET /reports HTTP/1.1\r\nHost: db.corp.test\r\n\r\n");
            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .startsWith("HTTP/1.1 400 Bad Request")
                    .contains("is not a proxy request");
        }
        assertThat(flows.poll(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.BAD_REQUEST);
    }

    /** While the session is down, a new connection is closed as it arrives, before any request. */
    @Test
    void whileTheSessionIsDownNewConnectionsAreRefusedAtOnce() throws Exception {
        EgressServer egress = start(
                new EgressConfig(
                        List.of(new EgressConfig.Forward(
                                new InetSocketAddress(LOOPBACK, 0), new HostPort("127.0.0.1", origin.getLocalPort()))),
                        Optional.of(new InetSocketAddress(LOOPBACK, 0)),
                        Optional.of(new InetSocketAddress(LOOPBACK, 0)),
                        List.of()),
                EgressLimits.DEFAULT);
        tunnel.set(status(TunnelState.RECONNECTING));
        for (InetSocketAddress listener : egress.addresses()) {
            assertClosedAtOnce(listener);
            assertThat(flows.poll(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.TUNNEL_DOWN);
        }
        assertThat(originSaw).isEmpty();
    }

    @Test
    void aSourceOutsideTheAllowedNetworksIsRefused() throws Exception {
        EgressServer egress = start(
                new EgressConfig(
                        List.of(),
                        Optional.of(new InetSocketAddress(LOOPBACK, 0)),
                        Optional.empty(),
                        List.of(IpNetwork.parse("10.244.0.0/16"))),
                EgressLimits.DEFAULT);
        assertClosedAtOnce(egress.addresses().getFirst());
        assertThat(flows.poll(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.SOURCE_NOT_ALLOWED);
    }

    @Test
    void connectionsBeyondTheLimitAreRefused() throws Exception {
        EgressServer egress = start(
                socks5(),
                new EgressLimits(1, Duration.ofSeconds(5), Duration.ofMinutes(1), Duration.ofMinutes(1), 1024, 4096));
        try (Socket first = new Socket(LOOPBACK, egress.addresses().getFirst().getPort())) {
            assertClosedAtOnce(egress.addresses().getFirst());
            assertThat(flows.poll(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.TOO_MANY_CONNECTIONS);
            assertThat(first.isClosed()).isFalse();
        }
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        EgressServer egress = start(
                forward(new HostPort("127.0.0.1", origin.getLocalPort())),
                new EgressLimits(8, Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofSeconds(5), 1024, 4096));
        try (Socket client = new Socket(LOOPBACK, egress.addresses().getFirst().getPort())) {
            client.setSoTimeout(20_000);
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(flows.poll(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.IDLE_TIMEOUT);
    }

    /**
     * A server that reads nothing: the listener stops reading from the client once its queue towards the server is
     * full, so what it takes from the client is bounded by the sockets' buffers and the water marks, not by what
     * the client sends.
     */
    @Test
    void aSlowServerCannotMakeTheRelayHoldTheClientsData() throws Exception {
        EgressServer egress = start(forward(new HostPort("127.0.0.1", origin.getLocalPort())), EgressLimits.DEFAULT);
        long offered = 256L << 20;
        try (Socket client = new Socket(LOOPBACK, egress.addresses().getFirst().getPort())) {
            client.getOutputStream().write("SINK\n".getBytes(StandardCharsets.US_ASCII));
            Background.supply(() -> {
                byte[] chunk = new byte[1 << 16];
                try {
                    for (long sent = 0; sent < offered; sent += chunk.length) {
                        client.getOutputStream().write(chunk);
                    }
                } catch (IOException e) {
                    // closed at the end of the test
                }
                return null;
            });
            AtomicLong previous = new AtomicLong(-1);
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> {
                        long now = fromClient.get();
                        return now > 0 && previous.getAndSet(now) == now; // stopped growing
                    });
            assertThat(fromClient.get())
                    .as("bytes the listener took from the client while the server read none")
                    .isLessThan(32L << 20);
        }
    }

    private int socks5Connect(EgressServer egress, String host, int port) throws IOException {
        try (Socket client = new Socket(LOOPBACK, egress.addresses().getFirst().getPort())) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            DataInputStream in = new DataInputStream(client.getInputStream());
            out.write(new byte[] {5, 1, 0});
            assertThat(new byte[] {in.readByte(), in.readByte()}).containsExactly(5, 0);
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.write(new byte[] {5, 1, 0, 3, (byte) host.length()});
            request.write(host.getBytes(StandardCharsets.US_ASCII));
            request.write(new byte[] {(byte) (port >> 8), (byte) port});
            out.write(request.toByteArray());
            byte version = in.readByte();
            assertThat(version).isEqualTo((byte) 5);
            int status = in.readUnsignedByte();
            assertThat(in.readAllBytes())
                    .as("the rest of the reply, then the close")
                    .hasSize(1 + 1 + 4 + 2);
            return status;
        }
    }

    private static void assertClosedAtOnce(InetSocketAddress listener) throws IOException {
        try (Socket client = new Socket(listener.getAddress(), listener.getPort())) {
            client.setSoTimeout(10_000);
            int read;
            try {
                read = client.getInputStream().read();
            } catch (SocketException reset) {
                read = -1;
            }
            assertThat(read)
                    .as("the listener closes the connection without a byte")
                    .isEqualTo(-1);
        }
    }

    private EgressServer start(EgressConfig config, EgressLimits limits) throws IOException {
        EgressServer egress = EgressServer.start(
                config,
                limits,
                tunnel::get,
                name -> {
                    List<InetAddress> addresses = NAMES.get(name);
                    if (addresses == null) {
                        throw new UnknownHostException(name + ": NXDOMAIN");
                    }
                    return addresses;
                },
                new EgressObserver() {
                    @Override
                    public void opened(Listener listener) {}

                    @Override
                    public void transferred(Listener listener, Direction direction, long bytes) {
                        if (direction == Direction.FROM_CLIENT) {
                            fromClient.addAndGet(bytes);
                        }
                    }

                    @Override
                    public void closed(Flow flow) {
                        flows.add(flow);
                    }
                });
        closing.add(egress);
        return egress;
    }

    private static EgressConfig forward(HostPort target) {
        return new EgressConfig(
                List.of(new EgressConfig.Forward(new InetSocketAddress(LOOPBACK, 0), target)),
                Optional.empty(),
                Optional.empty(),
                List.of());
    }

    private static EgressConfig socks5() {
        return new EgressConfig(
                List.of(), Optional.of(new InetSocketAddress(LOOPBACK, 0)), Optional.empty(), List.of());
    }

    private static EgressConfig httpProxy() {
        return new EgressConfig(
                List.of(), Optional.empty(), Optional.of(new InetSocketAddress(LOOPBACK, 0)), List.of());
    }

    private static TunnelStatus status(TunnelState state) {
        return Statuses.of(state, List.of(IpNetwork.parse("127.0.0.0/8")), List.of(IpNetwork.parse(OUTSIDE + "/32")));
    }

    private static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    private static String head(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        String line;
        while (!(line = line(in)).isEmpty()) {
            head.append(line).append('\n');
        }
        return head.toString();
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
