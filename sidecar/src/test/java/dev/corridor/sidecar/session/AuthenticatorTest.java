package dev.corridor.sidecar.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.corridor.sidecar.Fixtures;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.auth.AuthenticationException;
import dev.corridor.sidecar.protocol.auth.ClientProfile;
import dev.corridor.sidecar.protocol.auth.Credentials;
import dev.corridor.sidecar.transport.GatewayUrl;
import dev.corridor.sidecar.transport.LoopbackTlsServer;
import dev.corridor.sidecar.transport.TestCertificates;
import dev.corridor.sidecar.transport.TlsConnection;
import dev.corridor.sidecar.transport.TlsConnector;
import dev.corridor.sidecar.transport.TrustPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The login against a gateway on loopback that answers each POST with the next scripted reply, in ocserv's shapes: how
 * a refusal and a success without a session cookie end the login, and what the error says.
 */
class AuthenticatorTest {
    private static final String PASSWORD = "s3cret-passw0rd";
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^Content-Length:\\s*(\\d+)\\s*$");
    private static final TestCertificates.Identity GATEWAY = TestCertificates.selfSigned("127.0.0.1");

    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
    }

    /** ocserv's answer to the last wrong password: 401 with its reason, then it closes. */
    @Test
    void a401AfterThePasswordIsARejectionNamingTheGatewaysReason() throws Exception {
        replies.add(form("form-username.xml"));
        replies.add(form("form-password.xml"));
        replies.add("HTTP/1.1 401 Authentication failed\r\nContent-Length: 0\r\n\r\n");

        Throwable thrown = login();

        assertThat(thrown)
                .isInstanceOfSatisfying(
                        AuthenticationException.class,
                        e -> assertThat(e.rejectedByGateway()).isTrue())
                .hasMessage("the gateway refused the login: 401 Authentication failed")
                .message()
                .doesNotContain(PASSWORD);
        assertThat(requests).as("init, user name, password").hasSize(3);
    }

    @Test
    void a403IsARejectionNamingTheStatus() throws Exception {
        replies.add("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");

        Throwable thrown = login();

        assertThat(thrown)
                .isInstanceOfSatisfying(
                        AuthenticationException.class,
                        e -> assertThat(e.rejectedByGateway()).isTrue())
                .hasMessage("the gateway refused the login: 403 Forbidden");
    }

    /** Without the webvpn cookie there is nothing to open a tunnel with: the success is a protocol error, named so. */
    @Test
    void aSuccessWithoutTheSessionCookieIsAnErrorNamingTheCookie() throws Exception {
        replies.add(form("form-username.xml"));
        replies.add(form("form-password.xml"));
        replies.add(success("Set-Cookie: webvpncontext=QmFzZTY0; Secure; HttpOnly\r\n"));

        Throwable thrown = login();

        assertThat(thrown)
                .isInstanceOf(ProtocolException.class)
                .hasMessage(
                        "the gateway reported a successful login but gave no session cookie (no webvpn Set-Cookie and no <session-token>)");
    }

    /** The same dialogue with the cookie: what the three cases above are measured against. */
    @Test
    void aSuccessWithTheSessionCookieLogsIn() throws Exception {
        replies.add(form("form-username.xml"));
        replies.add(form("form-password.xml"));
        replies.add(
                success(
                        "Set-Cookie: webvpncontext=QmFzZTY0; Secure; HttpOnly\r\nSet-Cookie: webvpn=c2Vzc2lvbg==; Secure; HttpOnly\r\n"));

        GatewayLogin result = loginResult();

        assertThat(result.login()).isNotNull();
        assertThat(result.login().sessionCookie()).isEqualTo("c2Vzc2lvbg==");
        assertThat(requests.get(2)).contains("<password>" + PASSWORD + "</password>");
    }

    private record GatewayLogin(Authenticator.Login login, Throwable failure) {}

    private Throwable login() throws Exception {
        GatewayLogin result = loginResult();
        assertThat(result.login()).as("the login must fail").isNull();
        return result.failure();
    }

    private GatewayLogin loginResult() throws Exception {
        LoopbackTlsServer server = LoopbackTlsServer.start(GATEWAY, this::answer);
        open.add(server);
        GatewayUrl url = server.url();
        TlsConnector connector = new TlsConnector(
                new TrustPolicy(List.of(GATEWAY.pin()), Optional.empty()),
                Duration.ofSeconds(10),
                Duration.ofSeconds(20));
        TlsConnection connection = connector.connect(url);
        open.add(connection);
        Authenticator authenticator = new Authenticator(url, connector, Optional.empty(), ClientProfile.defaults());
        Authenticator.Login[] login = new Authenticator.Login[1];
        Throwable failure =
                catchThrowable(() -> login[0] = authenticator.login(connection, credentials(), Optional.empty()));
        if (login[0] != null) {
            open.add(login[0].connection());
        }
        return new GatewayLogin(login[0], failure);
    }

    private static LoginSecrets credentials() {
        return new LoginSecrets(
                Credentials.of(Optional.of("alice"), List.of(PASSWORD)),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }

    /** Serves one connection: each request gets the next reply; a reply without one ends the connection. */
    private void answer(SSLSocket socket) throws IOException {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        String request;
        while ((request = readRequest(in)) != null) {
            requests.add(request);
            String reply = replies.poll();
            if (reply == null) {
                return;
            }
            out.write(reply.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
        String text = head.toString(StandardCharsets.UTF_8);
        Matcher length = CONTENT_LENGTH.matcher(text);
        byte[] body = length.find() ? in.readNBytes(Integer.parseInt(length.group(1))) : new byte[0];
        return text + new String(body, StandardCharsets.UTF_8);
    }

    private static String form(String fixture) {
        return reply(
                "Set-Cookie: webvpncontext=QmFzZTY0; Secure; HttpOnly\r\n",
                new String(Fixtures.bytes(fixture), StandardCharsets.UTF_8));
    }

    private static String success(String cookies) {
        return reply(cookies, new String(Fixtures.bytes("success.xml"), StandardCharsets.UTF_8));
    }

    private static String reply(String headers, String xml) {
        byte[] body = xml.getBytes(StandardCharsets.UTF_8);
        return String.format(
                Locale.ROOT,
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n%sContent-Length: %d\r\nX-Transcend-Version: 1\r\n\r\n%s",
                headers,
                body.length,
                xml);
    }
}
