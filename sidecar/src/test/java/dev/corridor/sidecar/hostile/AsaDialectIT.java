package dev.corridor.sidecar.hostile;

import static dev.corridor.sidecar.hostile.GatewayReplies.then;
import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.hostile.GatewayReplies.ConnectReply;
import dev.corridor.sidecar.hostile.ScriptedGateway.Reply;
import dev.corridor.sidecar.hostile.ScriptedGateway.Request;
import dev.corridor.sidecar.hostile.ScriptedGateway.Script;
import dev.corridor.sidecar.testing.Commands;
import dev.corridor.sidecar.testing.SidecarProcess;
import dev.corridor.sidecar.token.OneTimeCode;
import dev.corridor.sidecar.token.TokenSecret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSSignedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only a Cisco ASA or FTD does at login, played by a scripted gateway, each behaviour taken from the record of
 * what real ASAs do: openconnect's {@code auth.c} (the client that logs in to them every day) and its test server
 * {@code tests/fake-cisco-server.py}. Each script checks the requests the sidecar sends, as an ASA would, and the
 * test asserts that the login got through and that the script found nothing wrong.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class AsaDialectIT {
    private static final Duration BOUND = Duration.ofSeconds(20);
    /** An ASA's session cookie has no '=' and looks like this (openconnect auth.c, the cookie it splits). */
    private static final String ASA_COOKIE = "2D7D8D0B@8192@1A2B@C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8A9B0C1D2";

    private static final String SEED_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    private static ScriptedLab lab;

    @TempDir
    static Path files;

    private final List<String> problems = new CopyOnWriteArrayList<>();
    private ScriptedGateway gateway;
    private SidecarProcess sidecar;

    @BeforeAll
    static void createNamespaces() throws Exception {
        lab = ScriptedLab.create("cora");
        openssl(
                "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=machine -keyout machine.key -out machine.pem");
        openssl("req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=alice -keyout alice.key -out alice.pem");
    }

    @AfterAll
    static void deleteNamespaces() {
        if (lab != null) {
            lab.close();
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (sidecar != null) {
            sidecar.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    /**
     * ASA double authentication with a soft token, an opaque state and the cookie as a session token:
     * <ul>
     *   <li>the login form carries {@code <opaque is-for="sg">}, which every later reply must carry back as it came
     *       (auth.c: xmlCopyNode of the last opaque, re-sent in xmlpost_append_form_opts);</li>
     *   <li>{@code secondary_password} is the second factor's field (auth.c cstp_can_gen_tokencode);</li>
     *   <li>the cookie comes as {@code <session-token>} with no Set-Cookie (fake-cisco-server.py's complete reply);</li>
     *   <li>the User-Agent must say AnyConnect (openconnect 9.20, commit 2b0a94b9), and a mobile platform adds its
     *       identifiers (auth.c xmlpost_new_query, cstp.c append_mobile_headers).</li>
     * </ul>
     */
    @Test
    void doubleAuthenticationWithOpaqueStateATokenAndASessionToken() throws Exception {
        String opaque =
                "<opaque is-for=\"sg\"><tunnel-group>Employees</tunnel-group><config-hash>1595829378234</config-hash></opaque>";
        Script asa = request -> {
            if (request.isConnect()) {
                expect(request.header("Cookie").orElse(""), "webvpn=" + ASA_COOKIE, "the CONNECT's cookie");
                return ConnectReply.ocserv().head();
            }
            String body = request.bodyText();
            expect(request.header("User-Agent").orElse(""), "AnyConnect Linux_64 4.10.07061", "the User-Agent");
            expect(
                    request.header("X-AnyConnect-Identifier-Platform").orElse(""),
                    "android",
                    "the mobile platform header");
            if (!body.contains("<device-id platform-version=\"1.0\" device-type=\"android\" unique-id=\""
                    + "A".repeat(40) + "\">android</device-id>")) {
                problems.add("no android device-id in " + body);
            }
            if (body.contains("type=\"init\"")) {
                return asaXml("<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\">" + opaque
                        + "<auth id=\"main\"><message>Please enter your username and password.</message><form>"
                        + "<input type=\"text\" name=\"username\" label=\"Username:\"></input>"
                        + "<input type=\"password\" name=\"password\" label=\"Password:\"></input>"
                        + "<input type=\"password\" name=\"secondary_password\" label=\"Second Password:\"></input>"
                        + "</form></auth></config-auth>");
            }
            if (!body.contains(opaque)) {
                problems.add("the auth-reply does not carry the opaque state back as it came: " + body);
            }
            expect(field(body, "username"), "alice", "the user name");
            expect(field(body, "password"), "correct-horse", "the password");
            String code = field(body, "secondary_password");
            if (!code.equals(totp(Instant.now()))
                    && !code.equals(totp(Instant.now().minusSeconds(30)))
                    && !code.equals(totp(Instant.now().plusSeconds(30)))) {
                problems.add("the second factor is not the token's current code");
            }
            return asaXml(
                    "<config-auth client=\"vpn\" type=\"complete\" aggregate-auth-version=\"2\"><session-id>123456789</session-id>"
                            + "<session-token>" + ASA_COOKIE
                            + "</session-token><auth id=\"success\"><banner>Welcome</banner></auth>"
                            + "<config/></config-auth>");
        };
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 2);
        sidecar = start(
                "correct-horse\n",
                "-u",
                "alice",
                "--passwd-on-stdin",
                "--token-mode",
                "totp",
                "--token-secret",
                "base32:" + SEED_BASE32,
                "--useragent",
                "AnyConnect Linux_64 4.10.07061",
                "--os",
                "android");
        sidecar.awaitReady(BOUND);
        assertThat(problems).isEmpty();
    }

    /**
     * ASA double authentication chosen by group (openconnect auth.c parse_form reads the attributes, library.c
     * process_auth_form applies them): the chosen group (selected="true") has second-auth="1" and names the second
     * user (secondary_username); the inputs marked second-auth="1" are then asked, the second password from the soft
     * token. The group travels as group-select.
     */
    @Test
    void theGroupsSecondAuthenticationAsksForTheNamedSecondUserAndACode() throws Exception {
        Script asa = request -> {
            if (request.isConnect()) {
                return ConnectReply.ocserv().head();
            }
            String body = request.bodyText();
            if (body.contains("type=\"init\"")) {
                return asaXml("<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\">"
                        + "<auth id=\"main\"><message>Please enter your username and password.</message><form>"
                        + "<select name=\"group_list\" label=\"GROUP:\"><option value=\"Contractors\">Contractors</option>"
                        + "<option value=\"Employees\" selected=\"true\" second-auth=\"1\" secondary_username=\"alice-token\">Employees</option></select>"
                        + "<input type=\"text\" name=\"username\" label=\"Username:\"></input>"
                        + "<input type=\"password\" name=\"password\" label=\"Password:\"></input>"
                        + "<input type=\"text\" name=\"secondary_username\" label=\"Second Username:\" second-auth=\"1\"></input>"
                        + "<input type=\"password\" name=\"secondary_password\" label=\"Second Password:\" second-auth=\"1\"></input>"
                        + "</form></auth></config-auth>");
            }
            expect(field(body, "group-select"), "Employees", "the group");
            expect(field(body, "username"), "alice", "the user name");
            expect(field(body, "password"), "correct-horse", "the password");
            expect(field(body, "secondary_username"), "alice-token", "the second user, as the group names it");
            String code = field(body, "secondary_password");
            if (!code.equals(totp(Instant.now()))
                    && !code.equals(totp(Instant.now().minusSeconds(30)))
                    && !code.equals(totp(Instant.now().plusSeconds(30)))) {
                problems.add("the second password is not the token's current code");
            }
            return asaXml(
                    "<config-auth client=\"vpn\" type=\"complete\" aggregate-auth-version=\"2\"><session-id>1</session-id>"
                            + "<session-token>" + ASA_COOKIE
                            + "</session-token><auth id=\"success\"></auth><config/></config-auth>");
        };
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 2);
        sidecar = start(
                "correct-horse\n",
                "-u",
                "alice",
                "--passwd-on-stdin",
                "--authgroup",
                "Employees",
                "--token-mode",
                "totp",
                "--token-secret",
                "base32:" + SEED_BASE32);
        sidecar.awaitReady(BOUND);
        assertThat(problems).isEmpty();
    }

    /**
     * {@code <client-cert-request>} (auth.c: CERT1_REQUESTED): with a certificate configured, a new connection (on
     * which this gateway, like the ASAs that "forget to send the TLS cert request on the initial connection", asks for
     * it in the handshake) and the init again; without one, the init again with {@code <client-cert-fail/>}.
     */
    @Test
    void aCertificateRequestIsAnsweredOnANewConnection() throws Exception {
        List<Request> seen = new CopyOnWriteArrayList<>();
        Script asa = request -> {
            seen.add(request);
            if (request.isConnect()) {
                return ConnectReply.ocserv().head();
            }
            if (request.clientCertificate().isEmpty()) {
                return asaXml(
                        "<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\"><client-cert-request/></config-auth>");
            }
            expect(
                    request.clientCertificate().get().getSubjectX500Principal().getName(),
                    "CN=alice",
                    "the client certificate");
            if (request.bodyText().contains("client-cert-fail")) {
                problems.add("the init on the new connection declines the certificate it presents");
            }
            return asaXml("<config-auth client=\"vpn\" type=\"complete\" aggregate-auth-version=\"2\"><session-token>"
                    + ASA_COOKIE + "</session-token><auth id=\"success\"/></config-auth>");
        };
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 3, connection -> connection > 1);
        sidecar = start(
                "",
                "-c",
                files.resolve("alice.pem").toString(),
                "-k",
                files.resolve("alice.key").toString());
        sidecar.awaitReady(BOUND);
        assertThat(problems).isEmpty();
        assertThat(seen).extracting(Request::method).containsExactly("POST", "POST", "CONNECT");
    }

    @Test
    void withoutACertificateTheRequestIsDeclined() throws Exception {
        Script asa = request -> {
            if (request.bodyText().contains("<client-cert-fail/>")) {
                return asaXml(
                        "<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\"><auth id=\"main\">"
                                + "<error>Certificate Validation Failure</error><form></form></auth></config-auth>");
            }
            return asaXml(
                    "<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\"><client-cert-request/></config-auth>");
        };
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 2);
        sidecar = start("", "-u", "alice");
        assertThat(sidecar.awaitExit(BOUND)).isEqualTo(3);
        // The gateway answers with its error only to an init that declines: otherwise it would ask again, and again.
        assertThat(sidecar.output()).contains("gateway says: Certificate Validation Failure");
    }

    /**
     * Multiple-certificate authentication as {@code tests/fake-cisco-server.py} checks it: the init advertises
     * {@code multiple-cert}; the machine certificate is the TLS connection's; the user certificate travels as a PKCS#7
     * chain with a signature over the exact bytes of the gateway's request (leading newline included), with the
     * strongest hash offered; the cookie comes as a session token.
     */
    @Test
    void multipleCertificateAuthentication() throws Exception {
        String request =
                "\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"auth-request\" "
                        + "aggregate-auth-version=\"2\">\n<multiple-client-cert-request><hash-algorithm>sha256</hash-algorithm>"
                        + "<hash-algorithm>sha384</hash-algorithm><hash-algorithm>sha512</hash-algorithm></multiple-client-cert-request>\n"
                        + "<cert-authenticated></cert-authenticated>\n</config-auth>";
        Script asa = incoming -> {
            if (incoming.isConnect()) {
                return ConnectReply.ocserv().head();
            }
            expect(
                    incoming.clientCertificate()
                            .map(c -> c.getSubjectX500Principal().getName())
                            .orElse("none"),
                    "CN=machine",
                    "the machine certificate on the TLS connection");
            String body = incoming.bodyText();
            if (body.contains("type=\"init\"")) {
                if (!body.contains("<auth-method>multiple-cert</auth-method>")) {
                    problems.add("the init does not advertise multiple-cert");
                }
                return asaXml(request);
            }
            checkMultipleCertificateReply(body, request.getBytes(StandardCharsets.UTF_8));
            return asaXml("\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"complete\" "
                    + "aggregate-auth-version=\"2\">\n<session-id>123456789</session-id>\n<session-token>" + ASA_COOKIE
                    + "</session-token>\n<auth id=\"success\"/>\n<config/>\n</config-auth>");
        };
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 2, connection -> true);
        sidecar = start(
                "",
                "-c",
                files.resolve("machine.pem").toString(),
                "-k",
                files.resolve("machine.key").toString(),
                "--mca-certificate",
                files.resolve("alice.pem").toString(),
                "--mca-key",
                files.resolve("alice.key").toString());
        sidecar.awaitReady(BOUND);
        assertThat(problems).isEmpty();
    }

    /** An SSO-only group (auth.c: sso-v2-login, an input of type sso): no password helps; a cookie does. */
    @Test
    void anSsoLoginSaysHowToHandACookieOver() throws Exception {
        Script asa = request -> asaXml("<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\">"
                + "<auth id=\"main\"><title>Login</title><message>Please complete the authentication process in the AnyConnect "
                + "Login window.</message><sso-v2-login>https://vpn.example.test/+CSCOE+/saml/sp/login?tgname=G</sso-v2-login>"
                + "<sso-v2-login-final>https://vpn.example.test/+CSCOE+/saml_ac_login.html</sso-v2-login-final>"
                + "<sso-v2-token-cookie-name>acSamlv2Token</sso-v2-token-cookie-name>"
                + "<form><input type=\"sso\" name=\"sso-token\"></input></form></auth></config-auth>");
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 1);
        sidecar = start("pw\n", "-u", "alice", "--passwd-on-stdin");
        assertThat(sidecar.awaitExit(BOUND)).isEqualTo(2);
        assertThat(sidecar.output()).contains("single sign-on").contains("--cookie-file");
    }

    private void checkMultipleCertificateReply(String body, byte[] request) {
        try {
            if (!body.matches(
                    "(?s).*<client-cert-chain cert-store=\"1M\"><client-cert-sent-via-protocol/></client-cert-chain>.*")) {
                problems.add("no 1M chain sent via the protocol");
            }
            Matcher chain = Pattern.compile("<client-cert cert-format=\"pkcs7\">([^<]*)</client-cert>")
                    .matcher(body);
            Matcher signature = Pattern.compile("<client-cert-auth-signature hash-algorithm-chosen=\"(\\w+)\">([^<]*)<")
                    .matcher(body);
            if (!chain.find() || !signature.find()) {
                problems.add("no user certificate and signature in " + body);
                return;
            }
            expect(signature.group(1), "sha512", "the hash chosen: the strongest offered");
            CMSSignedData pkcs7 = new CMSSignedData(Base64.getMimeDecoder().decode(chain.group(1)));
            List<X509Certificate> certificates = new ArrayList<>();
            for (Object holder : pkcs7.getCertificates().getMatches(null)) {
                certificates.add(new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) holder));
            }
            expect(certificates.getFirst().getSubjectX500Principal().getName(), "CN=alice", "the user certificate");
            Signature verifier = Signature.getInstance("SHA512withRSA");
            verifier.initVerify(certificates.getFirst().getPublicKey());
            verifier.update(request);
            if (!verifier.verify(Base64.getMimeDecoder().decode(signature.group(2)))) {
                problems.add("the signature does not verify over the request's exact bytes");
            }
        } catch (Exception e) {
            problems.add("unreadable multiple-certificate reply: " + e);
        }
    }

    private void expect(String actual, String expected, String what) {
        if (!actual.equals(expected)) {
            problems.add(what + ": '" + actual + "', expected '" + expected + "'");
        }
    }

    private SidecarProcess start(String stdin, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--servercert",
                gateway.pin().toString(),
                "--no-dtls",
                "--http-address",
                SidecarProcess.HTTP_ADDRESS,
                "--reconnect-timeout",
                "1"));
        args.addAll(List.of(options));
        args.add("https://" + ScriptedLab.GATEWAY.getHostAddress() + "/");
        return SidecarProcess.start(lab.podSide().name(), stdin, args.toArray(String[]::new));
    }

    /** An XML reply in an ASA's envelope. */
    private static Reply asaXml(String xml) {
        byte[] body = xml.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: " + body.length
                + "\r\nX-Transcend-Version: 1\r\n\r\n";
        return then(out -> out.write(head.getBytes(StandardCharsets.ISO_8859_1)), out -> out.write(body));
    }

    private static String field(String body, String name) {
        Matcher value = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(body);
        return value.find() ? value.group(1) : "";
    }

    private static String totp(Instant at) {
        return OneTimeCode.totp(TokenSecret.parse("base32:" + SEED_BASE32), at);
    }

    private static void openssl(String arguments) throws Exception {
        Commands.run("bash", "-c", "cd " + files + " && openssl " + arguments + " 2>/dev/null");
    }
}
