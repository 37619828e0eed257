package dev.corridor.sidecar.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.corridor.sidecar.hostile.GatewayReplies.ConnectReply;
import dev.corridor.sidecar.hostile.ScriptedGateway.Reply;
import dev.corridor.sidecar.hostile.ScriptedGateway.Request;
import dev.corridor.sidecar.hostile.ScriptedGateway.Script;
import dev.corridor.sidecar.protocol.sso.AsaTokenSealer;
import dev.corridor.sidecar.protocol.sso.StrapKeys;
import dev.corridor.sidecar.testing.Commands;
import dev.corridor.sidecar.testing.SidecarProcess;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single sign-on in the external browser against an ASA played by a scripted gateway, with the sidecar's
 * {@code authenticate --external-browser} (the packaged jar) in the pod namespace. The test plays the ASA, the browser
 * and the identity provider: the ASA's side is written from openconnect 9's client side, each step naming the source,
 * and openconnect 9.01 itself (an HPKE build) checks that the test's ASA seals tokens as openconnect opens them.
 *
 * <ol>
 *   <li>The init advertises {@code single-sign-on-external-browser} (auth.c xmlpost_new_query) and carries the STRAP
 *       keys, two P-256 keys as base64 DER SubjectPublicKeyInfo (cstp.c cstp_common_headers, gnutls.c
 *       generate_strap_key); the ASA answers with an SSO form in external-browser mode (auth.c parse_auth_node: the
 *       sso-v2-* elements; the form of research notes §7.1).</li>
 *   <li>The browser, back from the identity provider, comes to the local listener with
 *       {@code GET /api/sso/<token>?return=<final page>} and expects a 302 there (hpke.c handle_external_browser); the
 *       token is sealed to the STRAP-DH key as hpke.c and gnutls.c open it ({@link AsaTokenSealer}).</li>
 *   <li>The token comes back as the SSO input's value in {@code <auth>} (library.c process_auth_form, auth.c
 *       xmlpost_append_form_opts), with the same STRAP keys; the ASA answers complete with a session token
 *       (fake-cisco-server.py's complete reply).</li>
 *   <li>The cookie carries the STRAP signing key as {@code openconnect_strapkey} (auth.c, gnutls.c
 *       append_strap_privkey), which openconnect reads back and signs its CONNECT with (cstp.c cstp_connect,
 *       append_connect_strap_headers).</li>
 * </ol>
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class AsaSsoIT {
    private static final Duration BOUND = Duration.ofSeconds(60);
    /** An ASA's session cookie: no '=' (openconnect auth.c). */
    private static final String ASA_COOKIE = "4A5B6C7D@12288@9E8F@0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D";
    /** What the identity provider's login yields and the ASA seals: letters and digits (hpke.c takes nothing else). */
    private static final String TOKEN = "7F3A9C2E5B8D1F4A6C0E2B4D6F8A1C3E5B7D9F1A";

    private static final String GATEWAY = "https://" + ScriptedLab.GATEWAY.getHostAddress();
    private static final String LOGIN_PAGE = GATEWAY + "/+CSCOE+/saml/sp/login?tgname=Employees&acsamlcap=v2";
    private static final String FINAL_PAGE = GATEWAY + "/+CSCOE+/saml_ac_login.html";
    private static final String SSO_FORM =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"auth-request\" "
                    + "aggregate-auth-version=\"2\"><opaque is-for=\"sg\"><tunnel-group>Employees</tunnel-group></opaque><auth id=\"main\">"
                    + "<title>Login</title><message>Please complete the authentication process in the AnyConnect Login window.</message>"
                    + "<banner></banner><sso-v2-login>" + LOGIN_PAGE.replace("&", "&amp;")
                    + "</sso-v2-login><sso-v2-login-final>" + FINAL_PAGE
                    + "</sso-v2-login-final><sso-v2-logout>" + GATEWAY + "/+CSCOE+/saml/sp/logout</sso-v2-logout>"
                    + "<sso-v2-token-cookie-name>acSamlv2Token</sso-v2-token-cookie-name>"
                    + "<sso-v2-error-cookie-name>acSamlv2Error</sso-v2-error-cookie-name><sso-v2-browser-mode>external</sso-v2-browser-mode>"
                    + "<form><input type=\"sso\" name=\"sso-token\"></input></form></auth></config-auth>";
    private static final String COMPLETE =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"complete\" "
                    + "aggregate-auth-version=\"2\"><session-id>32768</session-id><session-token>" + ASA_COOKIE
                    + "</session-token>"
                    + "<auth id=\"success\"><message id=\"0\" param1=\"\" param2=\"\"></message></auth><config/></config-auth>";

    private static ScriptedLab lab;

    @TempDir
    static Path files;

    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Map<Process, Path> logs = new LinkedHashMap<>();
    private ScriptedGateway gateway;
    private Path opened;
    private Path browser;

    @BeforeAll
    static void createNamespaces() throws Exception {
        lab = ScriptedLab.create("corsso");
    }

    @AfterAll
    static void deleteNamespaces() {
        if (lab != null) {
            lab.close();
        }
    }

    /** The browser command: writes down the address it was asked to open, for the test to act as the browser. */
    @BeforeEach
    void browserCommand() throws IOException {
        opened = Files.createTempFile(files, "opened", ".url");
        Files.delete(opened);
        browser = Files.createTempFile(
                files,
                "browser",
                ".sh",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(
                browser,
                "#!/bin/sh\nprintf '%s\\n' \"$1\" > '" + opened + ".part' && mv '" + opened + ".part' '" + opened
                        + "'\n");
    }

    @AfterEach
    void stop() throws Exception {
        for (Process process : processes) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (gateway != null) {
            gateway.close();
        }
        loopbackIpv6(true);
    }

    /**
     * The whole login, the browser coming back to {@code [::1]:29786} as to openconnect; then openconnect opens the
     * tunnel with the printed cookie and signs its CONNECT with the STRAP key the login announced: the key in the
     * cookie is the one the ASA bound the session to, in the form openconnect reads.
     */
    @Test
    void theBrowserBringsTheTokenAndTheCookieCarriesTheKeyTheSessionIsBoundTo() throws Exception {
        loopbackIpv6(true);
        SsoAsa asa = new SsoAsa();
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 3);
        Authenticate authenticate =
                authenticate("--log-level", "debug", "--external-browser", "--browser", browser.toString());

        assertThat(awaitOpened())
                .as("the browser is given the sso-v2-login address")
                .isEqualTo(LOGIN_PAGE);
        String seen = browse("http://[::1]:29786", sealedTo(asa.dhKey.get()) + "?return=" + encode(FINAL_PAGE));

        assertThat(seen)
                .as("the browser is sent on to the final page (hpke.c: 302)")
                .isEqualTo("302 " + FINAL_PAGE);
        assertThat(authenticate.exit()).as(authenticate.stderr()).isZero();
        assertThat(problems).isEmpty();
        Map<String, String> printed = assignments(authenticate.stdout());
        Matcher cookie = Pattern.compile("openconnect_strapkey=([A-Za-z0-9+/=]+); webvpn=(.*)")
                .matcher(printed.get("COOKIE"));
        assertThat(cookie.matches()).as(printed.get("COOKIE")).isTrue();
        assertThat(cookie.group(2)).isEqualTo(ASA_COOKIE);
        assertThat(publicKeyOf(cookie.group(1)))
                .as("the key in the cookie is the STRAP-Pubkey the login announced")
                .isEqualTo(publicKey(asa.strapKey.get()).getW());
        assertThat(authenticate.stdout() + authenticate.stderr())
                .as("the token is never shown")
                .doesNotContain(TOKEN);

        Commands.runAllowingFailure(List.of(
                "bash",
                "-c",
                "printf '%s\\n' \"$1\" | ip netns exec \"$2\" timeout 10 openconnect "
                        + "--cookie-on-stdin --servercert \"$3\" --script /bin/true --no-dtls \"$4\"",
                "openconnect",
                printed.get("COOKIE"),
                lab.podSide().name(),
                printed.get("FINGERPRINT"),
                printed.get("CONNECT_URL")));
        assertThat(asa.connects).as("openconnect's CONNECT with the cookie").hasSize(1);
        Request connect = asa.connects.getFirst();
        assertThat(connect.header("Cookie")).contains("webvpn=" + ASA_COOKIE);
        assertThat(connect.header("X-AnyConnect-STRAP-Pubkey"))
                .as("openconnect took the key from the cookie: no new key (cstp.c: "
                        + "strap_rekey is 0 once ingested)")
                .contains(asa.strapKey.get());
        assertThat(connect.header("X-AnyConnect-STRAP-Verify").map(AsaSsoIT::isEcdsaSignature))
                .as("a DER ECDSA signature")
                .contains(true);
        assertThat(problems).isEmpty();
    }

    /**
     * Without IPv6 in the pod (many clusters), there is no [::1] to listen on: the browser finds the listener on
     * 127.0.0.1, which "localhost" also means. A stray request first (the browser's favicon) is answered 404, and the
     * wait goes on; without a return address the browser is told the login is done.
     */
    @Test
    void withoutIpv6TheBrowserComesBackOnIpv4Loopback() throws Exception {
        loopbackIpv6(false);
        SsoAsa asa = new SsoAsa();
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 2);
        Authenticate authenticate = authenticate("--external-browser", "--browser", browser.toString());
        awaitOpened();

        assertThat(browse("http://127.0.0.1:29786", "/favicon.ico").split(" ")[0])
                .isEqualTo("404");
        assertThat(browse("http://127.0.0.1:29786", sealedTo(asa.dhKey.get())).split(" ")[0])
                .isEqualTo("200");

        assertThat(authenticate.exit()).as(authenticate.stderr()).isZero();
        assertThat(assignments(authenticate.stdout()).get("COOKIE")).endsWith("; webvpn=" + ASA_COOKIE);
        assertThat(problems).isEmpty();
    }

    /** A token sealed for another key (another login's, or altered): the login fails with exit 3, the browser says why. */
    @Test
    void aTokenThatDoesNotDecryptFailsTheLogin() throws Exception {
        SsoAsa asa = new SsoAsa();
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 2);
        Authenticate authenticate = authenticate("--external-browser", "--browser", browser.toString());
        awaitOpened();

        String seen = browse(
                "http://127.0.0.1:29786",
                sealedTo(StrapKeys.generate().dhPublicKeyHeader()) + "?return=" + encode(FINAL_PAGE));

        assertThat(seen).startsWith("400");
        assertThat(authenticate.exit()).isEqualTo(3);
        assertThat(authenticate.stderr()).contains("does not decrypt with this login's STRAP-DH key");
        assertThat(asa.tokensPosted).as("nothing is posted").isEmpty();
        assertThat(authenticate.stdout()).doesNotContain("COOKIE");
    }

    /** Nobody comes back: exit 2 once --sso-timeout passes, and the gateway never saw a token. */
    @Test
    void noBrowserWithinTheTimeout() throws Exception {
        SsoAsa asa = new SsoAsa();
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 2);
        Authenticate authenticate = authenticate("--external-browser", "--sso-timeout", "2");

        assertThat(authenticate.exit()).isEqualTo(2);
        assertThat(authenticate.stderr())
                .contains(LOGIN_PAGE)
                .contains("no browser came back from the single sign-on within 2 s");
        assertThat(asa.tokensPosted).isEmpty();
    }

    /**
     * The reference for {@link AsaTokenSealer}: openconnect 9.01 itself, an HPKE build, logs in with
     * {@code --external-browser} against the same scripted ASA and posts the very token the test sealed to its
     * STRAP-DH key; and its {@code openconnect_strapkey} has the form of Corridor's (which openconnect reads: the first
     * test).
     */
    @Test
    void openconnectOpensTheTokensThisAsaSeals() throws Exception {
        loopbackIpv6(true); // openconnect listens on [::1] only (hpke.c)
        SsoAsa asa = new SsoAsa();
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 2);
        Process openconnect = start(List.of(
                "ip",
                "netns",
                "exec",
                lab.podSide().name(),
                "openconnect",
                "--authenticate",
                "--servercert",
                gateway.pin().toString(),
                "--external-browser=" + browser,
                GATEWAY + "/"));
        awaitOpened();

        assertThat(browse("http://[::1]:29786", sealedTo(asa.dhKey.get()) + "?return=" + encode(FINAL_PAGE)))
                .isEqualTo("302 " + FINAL_PAGE);

        assertThat(openconnect.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(asa.tokensPosted).as("openconnect posts the token it opened").containsExactly(TOKEN);
        assertThat(problems).isEmpty();
        String cookie = assignments(Files.readString(output(openconnect))).get("COOKIE");
        Matcher strapKey = Pattern.compile(
                        "openconnect_strapkey=([A-Za-z0-9+/=]+); webvpn=" + Pattern.quote(ASA_COOKIE))
                .matcher(cookie);
        assertThat(strapKey.matches()).as(cookie).isTrue();
        ECPrivateKey theirs = ECPrivateKey.getInstance(Base64.getDecoder().decode(strapKey.group(1)));
        ECPrivateKey ours = ECPrivateKey.getInstance(
                Base64.getDecoder().decode(StrapKeys.generate().cookieValue()));
        assertThat(theirs.getParametersObject())
                .isEqualTo(SECObjectIdentifiers.secp256r1)
                .isEqualTo(ours.getParametersObject());
        // GnuTLS writes the scalar with a sign byte when its top bit is set (33 bytes); RFC 5915 and Corridor, 32. Both
        // read.
        assertThat(theirs.getKey().bitLength()).isLessThanOrEqualTo(256);
        assertThat(ours.getPrivateKey().getOctets()).hasSize(32);
        assertThat(theirs.getPublicKey().getOctets())
                .hasSameSizeAs(ours.getPublicKey().getOctets());
        assertThat(publicKeyOf(strapKey.group(1)))
                .isEqualTo(publicKey(asa.strapKey.get()).getW());
    }

    /**
     * An SSO form without sso-v2-browser-mode external wants an embedded browser, which openconnect's command line has
     * no handler for either (library.c process_auth_form: "No SSO handler"): exit 2, saying so, and no browser.
     */
    @Test
    void anSsoFormForAnEmbeddedBrowserIsRefusedSayingSo() throws Exception {
        SsoAsa asa = new SsoAsa(SSO_FORM.replace("<sso-v2-browser-mode>external</sso-v2-browser-mode>", ""));
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 1);
        Authenticate authenticate = authenticate("--external-browser", "--browser", browser.toString());

        assertThat(authenticate.exit()).isEqualTo(2);
        assertThat(authenticate.stderr()).contains("wants its single sign-on in an embedded browser window");
        assertThat(opened).doesNotExist();
    }

    /** The ASA answers the token with its SSO form and an error (auth.c: an error in the form): exit 3, with its words. */
    @Test
    void aTokenTheGatewayRefusesEndsTheLogin() throws Exception {
        SsoAsa asa = new SsoAsa(
                SSO_FORM,
                SSO_FORM.replace("<banner></banner>", "<banner></banner><error>SAML assertion is not valid</error>"));
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 2);
        Authenticate authenticate = authenticate("--external-browser", "--browser", browser.toString());
        awaitOpened();

        browse("http://127.0.0.1:29786", sealedTo(asa.dhKey.get()));

        assertThat(authenticate.exit()).isEqualTo(3);
        assertThat(authenticate.stderr())
                .contains("the gateway refused the single sign-on (gateway says: SAML assertion is not valid)");
        assertThat(asa.tokensPosted).containsExactly(TOKEN);
    }

    /** The ASA asks for the single sign-on again after the token, without a word: it did not take it. Exit 3, no second browser. */
    @Test
    void anSsoFormAgainAfterTheTokenIsARejection() throws Exception {
        SsoAsa asa = new SsoAsa(SSO_FORM, SSO_FORM);
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 2);
        Authenticate authenticate = authenticate("--external-browser", "--browser", browser.toString());
        awaitOpened();

        browse("http://127.0.0.1:29786", sealedTo(asa.dhKey.get()));

        assertThat(authenticate.exit()).isEqualTo(3);
        assertThat(authenticate.stderr()).contains("asked for the single sign-on again after the token was sent");
    }

    /**
     * A tunnel group list on the SSO form: the group is chosen first, with an init that names it (auth.c: the
     * NEWGROUP round), and the browser opens once, at the chosen group's login address; the token goes back with the
     * group selection.
     */
    @Test
    void theGroupIsChosenBeforeTheBrowserOpens() throws Exception {
        String contractors = "<option value=\"Contractors\">Contractors</option>";
        String employees = "<option value=\"Employees\">Employees</option>";
        SsoAsa asa = new SsoAsa(init -> init.contains("<group-select>Employees</group-select>")
                ? SSO_FORM.replace(
                        "<form>",
                        "<form><select name=\"group_list\" label=\"GROUP:\">" + employees + contractors + "</select>")
                : SSO_FORM.replace(
                                "<form>",
                                "<form><select name=\"group_list\" label=\"GROUP:\">" + contractors + employees
                                        + "</select>")
                        .replace("tgname=Employees", "tgname=Contractors"));
        gateway = ScriptedGateway.start(lab.gatewaySide(), ScriptedLab.GATEWAY, asa, 2);
        Authenticate authenticate =
                authenticate("--external-browser", "--browser", browser.toString(), "--authgroup", "Employees");

        assertThat(awaitOpened()).isEqualTo(LOGIN_PAGE);
        browse("http://127.0.0.1:29786", sealedTo(asa.dhKey.get()));

        assertThat(authenticate.exit()).as(authenticate.stderr()).isZero();
        assertThat(problems).isEmpty();
        assertThat(asa.replies).hasSize(1).allMatch(reply -> reply.contains("<group-select>Employees</group-select>"));
    }

    /** The settings of --external-browser do nothing without it: said, rather than ignored. */
    @Test
    void browserSettingsWithoutExternalBrowserAreRefused() throws Exception {
        Authenticate authenticate = authenticate("--browser", "xdg-open");

        assertThat(authenticate.exit()).isEqualTo(2);
        assertThat(authenticate.stderr()).contains("--browser and --sso-timeout are settings of --external-browser");
    }

    /**
     * The ASA: an SSO form for the init, complete for the token; it checks what openconnect 9 sends and records the
     * STRAP keys, the tokens posted and the CONNECTs.
     */
    private final class SsoAsa implements Script {
        final AtomicReference<String> strapKey = new AtomicReference<>();
        final AtomicReference<String> dhKey = new AtomicReference<>();
        final List<String> tokensPosted = new CopyOnWriteArrayList<>();
        final List<String> replies = new CopyOnWriteArrayList<>();
        final List<Request> connects = new CopyOnWriteArrayList<>();
        /** The SSO form for an init's body. */
        private final Function<String, String> form;
        /** What answers the token. */
        private final String afterToken;

        SsoAsa() {
            this(SSO_FORM, COMPLETE);
        }

        SsoAsa(String form) {
            this(init -> form, COMPLETE);
        }

        SsoAsa(String form, String afterToken) {
            this(init -> form, afterToken);
        }

        SsoAsa(Function<String, String> form) {
            this(form, COMPLETE);
        }

        private SsoAsa(Function<String, String> form, String afterToken) {
            this.form = form;
            this.afterToken = afterToken;
        }

        @Override
        public Reply answer(Request request) {
            if (request.isConnect()) {
                connects.add(request);
                return ConnectReply.ocserv().head();
            }
            String body = request.bodyText();
            String signing = request.header(StrapKeys.PUBKEY_HEADER).orElse("");
            String dh = request.header(StrapKeys.DH_PUBKEY_HEADER).orElse("");
            if (!body.contains("<auth-method>single-sign-on-external-browser</auth-method>")) {
                problems.add("no single-sign-on-external-browser capability in " + body);
            }
            if (body.contains("type=\"init\"")) {
                checkP256(signing, StrapKeys.PUBKEY_HEADER);
                checkP256(dh, StrapKeys.DH_PUBKEY_HEADER);
                if (signing.equals(dh)) {
                    problems.add("one key for both STRAP headers");
                }
                if (strapKey.get() != null) {
                    expect(signing, strapKey.get(), "the STRAP-Pubkey of another init of the same login");
                }
                strapKey.set(signing);
                dhKey.set(dh);
                return asaXml(form.apply(body));
            }
            replies.add(body);
            expect(signing, strapKey.get(), "the auth-reply's STRAP-Pubkey: the init's");
            expect(dh, dhKey.get(), "the auth-reply's STRAP-DH-Pubkey: the init's");
            if (!body.contains("<opaque is-for=\"sg\"><tunnel-group>Employees</tunnel-group></opaque>")) {
                problems.add("the auth-reply does not carry the opaque state back: " + body);
            }
            Matcher token = Pattern.compile("<auth><sso-token>([^<]*)</sso-token></auth>")
                    .matcher(body);
            if (!token.find()) {
                problems.add("no <auth><sso-token> in " + body);
                return asaXml(SSO_FORM);
            }
            tokensPosted.add(token.group(1));
            expect(token.group(1), TOKEN, "the SSO token posted");
            return asaXml(afterToken);
        }

        private void checkP256(String header, String name) {
            try {
                publicKey(header);
            } catch (Exception | AssertionError e) {
                problems.add(name + " is not a base64 DER P-256 SubjectPublicKeyInfo: '" + header + "' (" + e + ")");
            }
        }
    }

    /** {@code corridor-sidecar authenticate} in the pod namespace, against the scripted gateway. */
    private record Authenticate(Process process, Path out, Path err) {
        int exit() throws InterruptedException {
            if (!process.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("authenticate did not end within " + BOUND + ":\n" + stderr());
            }
            return process.exitValue();
        }

        String stdout() {
            return read(out);
        }

        String stderr() {
            return read(err);
        }

        private static String read(Path file) {
            try {
                return Files.readString(file);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }
    }

    private Authenticate authenticate(String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                lab.podSide().name(),
                ProcessHandle.current().info().command().orElseThrow(),
                "-jar",
                SidecarProcess.jar().toString(),
                "authenticate"));
        if (gateway != null) {
            command.addAll(List.of("--servercert", gateway.pin().toString()));
        }
        command.addAll(List.of(options));
        command.add(GATEWAY + "/");
        Path stdout = Files.createTempFile(files, "authenticate", ".out");
        Path stderr = Files.createTempFile(files, "authenticate", ".err");
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        processes.add(process);
        return new Authenticate(process, stdout, stderr);
    }

    /** A process with its output (both streams) in a file, ended after the test. */
    private Process start(List<String> command) throws IOException {
        Path log = Files.createTempFile(files, "process", ".log");
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        processes.add(process);
        logs.put(process, log);
        return process;
    }

    private Path output(Process process) {
        return logs.get(process);
    }

    /** The address the browser command was given: it runs once the listener listens (hpke.c spawns it then). */
    private String awaitOpened() {
        await().atMost(BOUND).until(() -> Files.exists(opened));
        try {
            return Files.readString(opened).strip();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The browser's request to the listener, from the pod namespace: the status and the redirect's target. */
    private String browse(String listener, String target) throws IOException, InterruptedException {
        return lab.podSide()
                .exec(
                        "curl",
                        "-s",
                        "-g",
                        "-o",
                        "/dev/null",
                        "--max-time",
                        "20",
                        "-w",
                        "%{http_code} %{redirect_url}",
                        listener + target)
                .strip();
    }

    /** The path of the redirect to the listener, with {@link #TOKEN} sealed to the given STRAP-DH key as the ASA does. */
    private static String sealedTo(String dhPublicKeyHeader) {
        return "/api/sso/" + AsaTokenSealer.seal(TOKEN, dhPublicKeyHeader).inUrl();
    }

    private void loopbackIpv6(boolean on) throws IOException, InterruptedException {
        lab.podSide().exec("sysctl", "-q", "-w", "net.ipv6.conf.lo.disable_ipv6=" + (on ? 0 : 1));
    }

    private void expect(String actual, String expected, String what) {
        if (!actual.equals(expected)) {
            problems.add(what + ": '" + actual + "', expected '" + expected + "'");
        }
    }

    private static ECPublicKey publicKey(String base64Spki) throws Exception {
        ECPublicKey key = (ECPublicKey) KeyFactory.getInstance("EC")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64Spki)));
        assertThat(key.getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        return key;
    }

    /** The public point inside an {@code openconnect_strapkey} (SEC1 with its public key). */
    private static java.security.spec.ECPoint publicKeyOf(String base64Sec1) {
        byte[] point = ECPrivateKey.getInstance(Base64.getDecoder().decode(base64Sec1))
                .getPublicKey()
                .getOctets();
        return new java.security.spec.ECPoint(
                new java.math.BigInteger(1, Arrays.copyOfRange(point, 1, 33)),
                new java.math.BigInteger(1, Arrays.copyOfRange(point, 33, 65)));
    }

    private static boolean isEcdsaSignature(String base64) {
        try {
            ASN1Sequence signature =
                    ASN1Sequence.getInstance(Base64.getDecoder().decode(base64));
            return signature.size() == 2
                    && signature.getObjectAt(0) instanceof ASN1Integer
                    && signature.getObjectAt(1) instanceof ASN1Integer;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    /** The NAME='value' lines of an --authenticate output. */
    private static Map<String, String> assignments(String output) {
        Map<String, String> values = new LinkedHashMap<>();
        Matcher line = Pattern.compile("(?m)^([A-Z_]+)='(.*)'$").matcher(output);
        while (line.find()) {
            values.put(line.group(1), line.group(2));
        }
        return values;
    }

    /** An XML reply in an ASA's envelope. */
    private static Reply asaXml(String xml) {
        byte[] body = xml.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: " + body.length
                + "\r\nX-Transcend-Version: 1\r\n\r\n";
        return out -> {
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
        };
    }
}
