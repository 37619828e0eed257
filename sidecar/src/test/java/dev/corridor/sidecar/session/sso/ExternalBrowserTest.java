package dev.corridor.sidecar.session.sso;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.auth.AuthenticationException;
import dev.corridor.sidecar.protocol.sso.AsaTokenSealer;
import dev.corridor.sidecar.protocol.sso.StrapKeys;
import dev.corridor.sidecar.testing.Background;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The external-browser login end to end on this host's loopback: the login address is shown and opened, a browser
 * (the test) comes back with a token sealed as the ASA seals it, is sent on, and the token comes out; or the login
 * fails, saying why, to the user and to the browser. The port is one the system had free (the real one is fixed).
 */
@Timeout(30)
class ExternalBrowserTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String LOGIN = "https://vpn.example.test/+CSCOE+/saml/sp/login?tgname=Employees&acsamlcap=v2";
    private static final String FINAL = "https://vpn.example.test/+CSCOE+/saml_ac_login.html";
    private static final String TOKEN = "5E4C3B2A19087F6E5D4C3B2A19087F6E";

    private final StrapKeys keys = StrapKeys.generate();
    private final StringWriter console = new StringWriter();
    private final List<String> opened = new CopyOnWriteArrayList<>();
    private int port;

    @BeforeEach
    void freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
            port = probe.getLocalPort();
        }
    }

    @Test
    void theBrowserBringsTheTokenAndIsSentOn() throws Exception {
        CompletableFuture<String> browser = browseTo(() -> "/api/sso/"
                + AsaTokenSealer.seal(TOKEN, keys.dhPublicKeyHeader()).inUrl() + "?return="
                + URLEncoder.encode(FINAL, StandardCharsets.UTF_8));

        String token = browser(this::open, Duration.ofSeconds(10)).obtainToken(LOGIN, keys);

        assertThat(token).isEqualTo(TOKEN);
        assertThat(opened).containsExactly(LOGIN);
        assertThat(browser.join()).startsWith("HTTP/1.1 302 Found\r\n").contains("Location: " + FINAL + "\r\n");
        assertThat(console.toString())
                .contains("\n    " + LOGIN + "\n")
                .contains("127.0.0.1:" + port)
                .doesNotContain(TOKEN);
        assertThatThrownBy(() -> new Socket(LOOPBACK, port).close())
                .as("the listener is gone")
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void withoutAReturnAddressTheBrowserIsToldItIsDone() throws Exception {
        CompletableFuture<String> browser = browseTo(() -> "/api/sso/"
                + AsaTokenSealer.seal(TOKEN, keys.dhPublicKeyHeader()).inUrl());

        assertThat(browser(this::open, Duration.ofSeconds(10)).obtainToken(LOGIN, keys))
                .isEqualTo(TOKEN);
        assertThat(browser.join()).startsWith("HTTP/1.1 200 OK\r\n").contains("This window can be closed");
    }

    /** Exit 3: the login failed, and running it again is the remedy; the browser's page says the same. */
    @Test
    void aTokenThatDoesNotOpenFailsTheLoginAndTellsTheBrowser() {
        CompletableFuture<String> browser = browseTo(() -> "/api/sso/"
                + AsaTokenSealer.seal(TOKEN, StrapKeys.generate().dhPublicKeyHeader())
                        .inUrl() + "?return=" + URLEncoder.encode(FINAL, StandardCharsets.UTF_8));

        assertThatThrownBy(() -> browser(this::open, Duration.ofSeconds(10)).obtainToken(LOGIN, keys))
                .isInstanceOfSatisfying(
                        AuthenticationException.class,
                        e -> assertThat(e.rejectedByGateway()).isTrue())
                .hasMessageContaining("the single sign-on came back with a token Corridor cannot use")
                .hasMessageContaining("does not decrypt with this login's STRAP-DH key");
        assertThat(browser.join())
                .startsWith("HTTP/1.1 400 Bad Request\r\n")
                .contains("does not decrypt")
                .doesNotContain("Location:");
    }

    /** Exit 2: nothing came back, which the user (or a forwarded port) has to change. */
    @Test
    void noBrowserInTimeIsAnUnanswerableLogin() {
        assertThatThrownBy(() -> browser(this::open, Duration.ofSeconds(1)).obtainToken(LOGIN, keys))
                .isInstanceOfSatisfying(
                        AuthenticationException.class,
                        e -> assertThat(e.rejectedByGateway()).isFalse())
                .hasMessageContaining("no browser came back from the single sign-on within 1 s (--sso-timeout)");
        assertThat(opened).containsExactly(LOGIN);
    }

    /** The address goes to a terminal and to a command line: no escapes, and nothing that could pass for an option. */
    @Test
    void aLoginAddressThatIsNotPlainHttpsIsRefusedBeforeAnythingOpens() {
        for (String url : new String[] {
            "http://vpn.example.test/login",
            "-remote=evil",
            "https://vpn.example.test/\u001b]0;x\u0007",
            "https://vpn.example.test/a b",
            "file:///etc/passwd"
        }) {
            assertThatThrownBy(() -> browser(this::open, Duration.ofSeconds(1)).obtainToken(url, keys))
                    .as(url)
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("sso-v2-login");
        }
        assertThat(opened).isEmpty();
    }

    @Test
    void aPortAnotherLoginHoldsIsSaidSo() throws Exception {
        try (ServerSocket taken = new ServerSocket(port, 1, LOOPBACK)) {
            assertThatThrownBy(() -> browser(this::open, Duration.ofSeconds(1)).obtainToken(LOGIN, keys))
                    .isInstanceOf(AuthenticationException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + port)
                    .hasMessageContaining(
                            "is another login, openconnect's or Corridor's, waiting for its browser there?");
        }
        assertThat(opened).isEmpty();
    }

    /** The launcher of --browser: a command that cannot start leaves the address shown for the user to open. */
    @Test
    void aBrowserThatCannotStartLeavesTheAddressShown() {
        PrintWriter out = new PrintWriter(console, true);
        ExternalBrowser sso =
                browser(url -> ExternalBrowser.launch("/nonexistent/browser", url, out), Duration.ofSeconds(1));

        assertThatThrownBy(() -> sso.obtainToken(LOGIN, keys)).isInstanceOf(AuthenticationException.class);
        assertThat(console.toString())
                .contains("cannot start the browser '/nonexistent/browser'")
                .contains("open the address above yourself");
    }

    private ExternalBrowser browser(Consumer<String> opener, Duration timeout) {
        return new ExternalBrowser(
                List.of(LOOPBACK), port, Optional.of(opener), timeout, new PrintWriter(console, true));
    }

    private void open(String url) {
        opened.add(url);
    }

    /** A browser that comes back to the listener once it is listening (the opener is called once it is). */
    private CompletableFuture<String> browseTo(java.util.function.Supplier<String> target) {
        return Background.supply(() -> {
            await().atMost(Duration.ofSeconds(10)).until(() -> !opened.isEmpty());
            return get(target.get());
        });
    }

    private String get(String target) {
        try (Socket socket = new Socket(LOOPBACK, port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream()
                    .write(("GET " + target + " HTTP/1.1\r\nHost: localhost:" + port + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
