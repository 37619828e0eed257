package dev.corridor.sidecar.session.sso;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.protocol.sso.BrowserRequest;
import dev.corridor.sidecar.testing.Background;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The listener the browser comes back to, under what else reaches a port on localhost: the browser's own spare and
 * favicon requests, oversized requests, idle floods. It listens on a port of the system's choosing here (the real one is
 * fixed), on 127.0.0.1.
 */
@Timeout(30)
class CallbackListenerTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** Longer than any wait below that succeeds: the bound on a test that would otherwise hang. */
    private static final Duration BOUND = Duration.ofSeconds(10);

    private static final String CALLBACK =
            "GET /api/sso/AAEAAQ%3D%3D?return=https%3A%2F%2Fvpn.example.test%2Fdone HTTP/1.1\r\n"
                    + "Host: localhost:29786\r\nCookie: other-app=1\r\n\r\n";

    private CallbackListener listener;
    private int port;
    private final List<Socket> clients = new ArrayList<>();

    @BeforeEach
    void listen() throws IOException {
        listener = CallbackListener.open(List.of(LOOPBACK), 0);
        port = listener.addresses().getFirst().getPort();
    }

    @AfterEach
    void close() throws IOException {
        listener.close();
        for (Socket client : clients) {
            client.close();
        }
    }

    @Test
    void theBrowserGetsThroughIdleConnectionsAndStrayRequests() throws Exception {
        connect(); // a spare connection the browser opened and leaves idle
        CompletableFuture<List<String>> browser = Background.supply(() -> {
            try {
                String favicon = exchange(connect(), "GET /favicon.ico HTTP/1.1\r\nHost: localhost\r\n\r\n");
                String callback = exchange(connect(), CALLBACK);
                return List.of(favicon, callback);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });

        try (CallbackListener.Arrival arrival = listener.await(deadline()).orElseThrow()) {
            assertThat(arrival.callback().token()).containsExactly(0, 1, 0, 1);
            arrival.redirect(arrival.callback().returnTo().orElseThrow());
        }

        List<String> answers = browser.join();
        assertThat(answers.getFirst()).startsWith("HTTP/1.1 404 Not Found\r\n");
        assertThat(answers.get(1))
                .startsWith("HTTP/1.1 302 Found\r\n")
                .contains("\r\nLocation: https://vpn.example.test/done\r\n");
    }

    @Test
    void lineEndsMayBeBareLineFeeds() throws Exception {
        Socket client = connect();
        client.getOutputStream().write(CALLBACK.replace("\r\n", "\n").getBytes(StandardCharsets.US_ASCII));

        assertThat(listener.await(deadline())).isPresent();
    }

    /** hpke.c reads the request line into 4096 bytes: a longer one is dropped unanswered, and the wait goes on. */
    @Test
    void aRequestLineOverTheCapIsDroppedUnanswered() throws Exception {
        String longest = "GET /api/sso/" + "A".repeat(CallbackListener.MAX_REQUEST_LINE - 22) + " HTTP/1.1";
        assertThat(longest).hasSize(CallbackListener.MAX_REQUEST_LINE);
        CompletableFuture<String> tooLong = Background.supply(() -> {
            try {
                Socket socket = connect();
                socket.getOutputStream()
                        .write(("GET /api/sso/A" + longest.substring(13) + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                String answer = answer(socket);
                connect().getOutputStream().write((longest + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                return answer;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });

        assertThat(listener.await(deadline())).as("the request line at the cap").isPresent();
        assertThat(tooLong.join()).as("one byte over: closed without an answer").isEmpty();
    }

    @Test
    void aHeadOverTheCapIsDroppedUnanswered() throws Exception {
        Socket tooLong = connect();
        String cookies = ("Cookie: " + "c".repeat(1000) + "\r\n").repeat(CallbackListener.MAX_HEAD / 1000 + 1);
        OutputStream out = tooLong.getOutputStream();
        out.write(("GET /api/sso/AAEAAQ%3D%3D HTTP/1.1\r\n" + cookies + "\r\n").getBytes(StandardCharsets.US_ASCII));

        Optional<CallbackListener.Arrival> arrival =
                listener.await(System.nanoTime() + Duration.ofMillis(500).toNanos());

        assertThat(arrival).isEmpty();
        assertThat(answer(tooLong)).isEmpty();
    }

    /** A flood of idle connections costs the oldest its place, never the browser's. */
    @Test
    void atMostEightConnectionsAreHeldTheOldestGoes() throws Exception {
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < CallbackListener.MAX_CONNECTIONS + 1; i++) {
            idle.add(connect());
        }
        Socket browser = connect();
        browser.getOutputStream().write(CALLBACK.getBytes(StandardCharsets.US_ASCII));

        assertThat(listener.await(deadline())).isPresent();
        assertThat(idle.getFirst().getInputStream().read()).as("closed").isEqualTo(-1);
        assertThat(idle.get(1).getInputStream().read()).as("closed").isEqualTo(-1);
    }

    @Test
    void nothingBeforeTheDeadlineIsNothing() throws Exception {
        connect().getOutputStream().write("GET /api/sso/AAEAAQ%3D%3D HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(listener.await(System.nanoTime() + Duration.ofMillis(300).toNanos()))
                .isEmpty();
    }

    @Test
    void closedTheListenerIsGone() {
        listener.close();

        assertThatThrownBy(this::connect).isInstanceOf(ConnectException.class);
    }

    /** ::1 in a pod without IPv6: left out. A port another login holds: the whole fails, or the browser could land there. */
    @Test
    void anAddressThisHostLacksIsLeftOutATakenPortFailsTheWhole() throws Exception {
        InetAddress absent = InetAddress.getByName("192.0.2.254");
        try (CallbackListener both = CallbackListener.open(List.of(absent, LOOPBACK), 0)) {
            assertThat(both.addresses())
                    .extracting(InetSocketAddress::getAddress)
                    .containsExactly(LOOPBACK);
        }
        assertThatThrownBy(() -> CallbackListener.open(List.of(absent), 0))
                .hasMessageContaining("none of the loopback addresses");
        try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK)) {
            assertThatThrownBy(() -> CallbackListener.open(List.of(LOOPBACK), taken.getLocalPort()))
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void aHeadIsReadToItsBlankLine() {
        CallbackListener.Head head = new CallbackListener.Head();
        assertThat(head.feed(ascii("GET / HTTP/1.1\r\nHost: x\r\n"))).isEqualTo(CallbackListener.Head.State.INCOMPLETE);
        assertThat(head.feed(ascii("\r"))).isEqualTo(CallbackListener.Head.State.INCOMPLETE);
        assertThat(head.feed(ascii("\n"))).isEqualTo(CallbackListener.Head.State.COMPLETE);
        assertThat(head.requestLine()).isEqualTo("GET / HTTP/1.1");
        assertThat(BrowserRequest.parse(head.requestLine())).isInstanceOf(BrowserRequest.NotFound.class);
    }

    private static java.nio.ByteBuffer ascii(String text) {
        return java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    private long deadline() {
        return System.nanoTime() + BOUND.toNanos();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(LOOPBACK, port);
        socket.setSoTimeout((int) BOUND.toMillis());
        synchronized (clients) {
            clients.add(socket);
        }
        return socket;
    }

    /** What the listener answered before it closed the connection; closed with a reset (unread bytes) is no answer either. */
    private static String answer(Socket socket) throws IOException {
        try {
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (java.net.SocketException reset) {
            return "";
        }
    }

    /** Sends a request and reads the answer to the end: the listener closes every connection it answers. */
    private static String exchange(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
}
