package dev.corridor.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.corridor.sidecar.testing.Commands;
import dev.corridor.sidecar.testing.GatewayLab;
import dev.corridor.sidecar.testing.SidecarProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ways into a gateway besides a password, against the real ocserv: client certificates (alone, and with a
 * password; PEM, encrypted, PKCS#12; renewed between logins), one-time codes from a seed through ocserv's own OATH
 * check, an empty password, and session cookies handed between Corridor and openconnect 9.01 both ways.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CredentialsIT {
    private static final Duration READY = Duration.ofSeconds(20);
    /** RFC 4226's seed, "12345678901234567890": ocserv's users file takes it as hex, Corridor as base32 or a URI. */
    private static final String SEED_HEX = "3132333435363738393031323334353637383930";

    private static final String SEED_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

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

    /** ocserv's certificate login: the user is the certificate's CN, no form at all (cert-user-oid, worker-auth.c). */
    @Test
    void aCertificateAloneLogsInAndARenewedOneTakesEffectAtTheNextLogin() throws Exception {
        lab = GatewayLab.start("corcrt");
        certificateLogin("auth = \"certificate\"");
        Path key = issue("alice", "ec", "");
        Path certificate = lab.directory().resolve("alice.pem");
        SidecarProcess sidecar = sidecar("", "-c", certificate.toString(), "-k", key.toString());
        sidecar.awaitReady(READY);
        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "2", "-W", "2", lab.get("LAB_CORP_HOST_1")))
                .contains("2 received");
        assertThat(lab.gatewayUsers()).contains(" alice ");
        String expires = Commands.run("openssl", "x509", "-in", certificate.toString(), "-noout", "-enddate")
                .strip()
                .substring("notAfter=".length())
                .replaceAll("\\s+", " ");
        assertThat(java.time.Instant.parse(
                        sidecar.status().path("clientCertificateExpires").asText()))
                .isEqualTo(java.time.ZonedDateTime.parse(
                                expires,
                                java.time.format.DateTimeFormatter.ofPattern(
                                        "MMM d HH:mm:ss yyyy z", java.util.Locale.ROOT))
                        .toInstant());
        assertThat(sidecar.httpGet("/metrics"))
                .containsPattern("corridor_tunnel_client_certificate_expiry_timestamp_seconds \\d\\.\\d+E9");

        // A new key and certificate in the same files (here for another name, so that the gateway shows which one
        // logged in): the next login presents them, without a restart.
        issue("alice2", "ec", "");
        Files.copy(lab.directory().resolve("alice2.key"), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(
                lab.directory().resolve("alice2.pem"), certificate, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        lab.disconnect(lab.user());
        await().atMost(Duration.ofSeconds(15))
                .until(() -> sidecar.httpGet("/metrics")
                                .contains("corridor_tunnel_reconnects_total{reason=\"gateway_disconnected\"} 1.0")
                        && sidecar.httpStatus("/readyz") == 200);
        assertThat(lab.gatewayUsers()).as("the renewed certificate logged in").contains(" alice2 ");
    }

    @Test
    void aCertificateAndAPasswordBothCount() throws Exception {
        lab = GatewayLab.start("corcpw");
        certificateLogin(
                "auth = \"certificate\"",
                "auth = \"plain[passwd=" + lab.directory().resolve("passwd") + "]\"");
        issue("alice", "rsa:2048", "");
        // PKCS#12 with a password, as many users receive their certificate
        Path password = Files.writeString(lab.directory().resolve("p12-password"), "p12-secret\n");
        openssl("pkcs12 -export -inkey alice.key -in alice.pem -passout pass:p12-secret -out alice.p12");
        SidecarProcess sidecar = sidecar(
                lab.password() + "\n",
                "-u",
                lab.user(),
                "--passwd-on-stdin",
                "-c",
                lab.directory().resolve("alice.p12").toString(),
                "--key-password-file",
                password.toString());
        sidecar.awaitReady(READY);
        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "1", "-W", "2", lab.get("LAB_CORP_HOST_1")))
                .contains("1 received");
    }

    @Test
    void anEncryptedKeyOpensWithItsPasswordFile() throws Exception {
        lab = GatewayLab.start("corenc");
        certificateLogin("auth = \"certificate\"");
        issue("alice", "ec", "");
        openssl("pkcs8 -topk8 -v2 aes-256-cbc -passout pass:key-secret -in alice.key -out alice-encrypted.key");
        Path password = Files.writeString(lab.directory().resolve("key-password"), "key-secret\n");
        SidecarProcess sidecar = sidecar(
                "",
                "-c",
                lab.directory().resolve("alice.pem").toString(),
                "-k",
                lab.directory().resolve("alice-encrypted.key").toString(),
                "--key-password-file",
                password.toString());
        sidecar.awaitReady(READY);
    }

    /**
     * ocserv's plain+OTP back end asks for the code in a second round, in a field named {@code password} (plain.c);
     * the code comes from the seed. Two logins in a row (a fresh login after the gateway ended the session) within one
     * 30 s period must not send the same code: liboath refuses a replay.
     */
    @Test
    void aSoftTokenAnswersOcservsOtpRoundTwiceInARow() throws Exception {
        lab = GatewayLab.start("corotp", "--otp-secret=" + SEED_HEX);
        Path seed = Files.writeString(
                lab.directory().resolve("seed"), "otpauth://totp/Corp:alice?secret=" + SEED_BASE32 + "&issuer=Corp\n");
        SidecarProcess sidecar = sidecar(
                lab.password() + "\n",
                "-u",
                lab.user(),
                "--passwd-on-stdin",
                "--token-mode",
                "totp",
                "--token-secret-file",
                seed.toString());
        sidecar.awaitReady(READY);
        lab.disconnect(lab.user());
        await().atMost(Duration.ofSeconds(15))
                .until(() -> sidecar.httpGet("/metrics")
                                .contains("corridor_tunnel_authentications_total{outcome=\"success\"} 2.0")
                        && sidecar.httpStatus("/readyz") == 200);
        assertThat(sidecar.output()).doesNotContain(SEED_BASE32);
    }

    @Test
    void theSeedAsBase32OnTheCommandLine() throws Exception {
        lab = GatewayLab.start("corb32", "--otp-secret=" + SEED_HEX);
        SidecarProcess sidecar = sidecar(
                lab.password() + "\n",
                "-u",
                lab.user(),
                "--passwd-on-stdin",
                "--token-mode",
                "totp",
                "--token-secret",
                "base32:" + SEED_BASE32);
        sidecar.awaitReady(READY);
    }

    /** openconnect's test suite logs in a user with an empty password against ocserv (tests/auth-username-pass). */
    @Test
    void anEmptyPasswordIsSent() throws Exception {
        lab = GatewayLab.start("coremp");
        // ocpasswd and openssl passwd refuse an empty password: the entry is written as openconnect's
        // tests/test1.passwd
        // has it, with the crypt(3) hash glibc makes.
        String hash =
                Commands.run("perl", "-e", "print crypt('', '$5$corridor$')").strip();
        Files.writeString(
                lab.directory().resolve("passwd"), "empty:*:" + hash + "\n", java.nio.file.StandardOpenOption.APPEND);
        SidecarProcess sidecar = sidecar("\n", "-u", "empty", "--passwd-on-stdin");
        sidecar.awaitReady(READY);
    }

    /** The gateway's banners, before the login (on its form) and after (on CONNECT), shown in /status. */
    @Test
    void theBannersAreShown() throws Exception {
        lab = GatewayLab.start("corban", "pre-login-banner = \"Authorized use only\"", "banner = \"Welcome to Corp\"");
        SidecarProcess sidecar = sidecar(lab.password() + "\n", "-u", lab.user(), "--passwd-on-stdin");
        sidecar.awaitReady(READY);
        assertThat(sidecar.status().path("banner").path("beforeLogin").asText()).isEqualTo("Authorized use only");
        assertThat(sidecar.status().path("banner").path("afterLogin").asText()).isEqualTo("Welcome to Corp");
    }

    /**
     * A cookie the gateway stops accepting (an administrator ended the session) is not tried in a loop: the sidecar
     * says it must be renewed, and waits for the file to change.
     */
    @Test
    void aCookieFileTheGatewayStopsAcceptingIsWaitedOut() throws Exception {
        lab = GatewayLab.start("corckf");
        Path cookie = lab.directory().resolve("cookie");
        Files.writeString(cookie, authenticate());
        SidecarProcess sidecar = sidecar("", "--cookie-file", cookie.toString(), "--reconnect-max-delay", "1");
        sidecar.awaitReady(READY);

        lab.disconnect(lab.user());
        await().atMost(Duration.ofSeconds(15))
                .until(() -> sidecar.status().path("error").asText().contains("no longer accepts the session cookie"));
        assertThat(sidecar.status().path("error").asText()).contains("waiting for the credentials to change");
        int attempts = sidecar.status().path("reconnect").path("attempts").asInt();
        await().during(Duration.ofSeconds(4))
                .atMost(Duration.ofSeconds(5))
                .until(() -> sidecar.status().path("reconnect").path("attempts").asInt() == attempts);

        Files.writeString(cookie, authenticate()); // the Secret is renewed
        sidecar.awaitReady(Duration.ofSeconds(15));
    }

    /** A fresh session cookie from Corridor's authenticate, as openconnect takes it. */
    private String authenticate() throws Exception {
        String printed = Commands.run(
                "bash",
                "-c",
                "printf '%s\\n' \"$1\" | ip netns exec \"$2\" \"$3\" -jar \"$4\" authenticate "
                        + "--cafile \"$5\" -u \"$6\" --passwd-on-stdin \"$7\"",
                "auth",
                lab.password(),
                lab.podNamespace(),
                java(),
                SidecarProcess.jar().toString(),
                lab.caFile().toString(),
                lab.user(),
                lab.gatewayUrl());
        return assignments(printed).get("COOKIE") + "\n";
    }

    /** A cookie from Corridor's authenticate opens an openconnect tunnel, and openconnect's opens Corridor's. */
    @Test
    void sessionCookiesWorkBothWaysWithOpenconnect() throws Exception {
        lab = GatewayLab.start("corcke");
        Map<String, String> printed = assignments(Commands.run(
                "bash",
                "-c",
                "printf '%s\\n' \"$1\" | ip netns exec \"$2\" \"$3\" -jar \"$4\" "
                        + "authenticate --cafile \"$5\" -u \"$6\" --passwd-on-stdin \"$7\"",
                "auth",
                lab.password(),
                lab.podNamespace(),
                java(),
                SidecarProcess.jar().toString(),
                lab.caFile().toString(),
                lab.user(),
                lab.gatewayUrl()));
        assertThat(printed.keySet()).containsExactly("COOKIE", "HOST", "CONNECT_URL", "FINGERPRINT", "RESOLVE");
        assertThat(printed.get("HOST")).isEqualTo(lab.get("LAB_GATEWAY_ADDRESS"));
        assertThat(printed.get("RESOLVE"))
                .isEqualTo(lab.get("LAB_GATEWAY_HOST") + ":" + lab.get("LAB_GATEWAY_ADDRESS"));
        Commands.Result openconnect = Commands.runAllowingFailure(List.of(
                "bash",
                "-c",
                "printf '%s\\n' \"$1\" | ip netns exec \"$2\" "
                        + "timeout 8 openconnect --cookie-on-stdin --servercert \"$3\" --script /bin/true \"$4\"",
                "openconnect",
                printed.get("COOKIE"),
                lab.podNamespace(),
                printed.get("FINGERPRINT"),
                printed.get("CONNECT_URL")));
        assertThat(openconnect.stderr() + openconnect.stdout())
                .as("openconnect with Corridor's cookie")
                .contains("CSTP connected");

        String openconnectLogin = Commands.run(
                "bash",
                "-c",
                "printf '%s\\n' \"$1\" | ip netns exec \"$2\" openconnect --authenticate "
                        + "--cafile \"$3\" -u \"$4\" --passwd-on-stdin \"$5\" 2>/dev/null",
                "authenticate",
                lab.password(),
                lab.podNamespace(),
                lab.caFile().toString(),
                lab.user(),
                lab.gatewayUrl());
        String cookie = assignments(openconnectLogin).get("COOKIE");
        SidecarProcess sidecar = sidecar(cookie + "\n", "--cookie-on-stdin");
        sidecar.awaitReady(READY);
        assertThat(sidecar.httpGet("/metrics"))
                .as("no login: the cookie alone")
                .contains("corridor_tunnel_authentications_total{outcome=\"success\"} 0.0");
        assertThat(sidecar.output()).doesNotContain(cookie.replace("webvpn=", ""));
    }

    /** Restarts ocserv with certificate login: the lab's CA vouches for client certificates, the CN names the user. */
    private void certificateLogin(String... auth) throws Exception {
        List<String> settings = new ArrayList<>(List.of(auth));
        settings.addAll(List.of("cert-user-oid = 2.5.4.3", "ca-cert = " + lab.caFile()));
        lab.stopGateway(false);
        lab.startGateway(settings.toArray(String[]::new));
    }

    /** A new key and a certificate for {@code user} from the lab's CA, as alice.key and alice.pem. */
    private Path issue(String user, String keyType, String extra) throws Exception {
        String newkey = keyType.equals("ec") ? "ec -pkeyopt ec_paramgen_curve:P-256" : keyType;
        openssl("req -newkey " + newkey + " -nodes -subj /CN=" + user + " -keyout " + user + ".key -out " + user
                + ".csr" + extra);
        openssl("x509 -req -in " + user + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out " + user
                + ".pem");
        return lab.directory().resolve(user + ".key");
    }

    private void openssl(String arguments) throws Exception {
        Commands.run("bash", "-c", "cd " + lab.directory() + " && openssl " + arguments + " 2>/dev/null");
    }

    private SidecarProcess sidecar(String stdin, String... extra) throws Exception {
        List<String> args = new ArrayList<>(
                List.of("--cafile", lab.caFile().toString(), "--http-address", SidecarProcess.HTTP_ADDRESS));
        args.addAll(List.of(extra));
        args.add(lab.gatewayUrl());
        SidecarProcess sidecar = SidecarProcess.start(lab.podNamespace(), stdin, args.toArray(String[]::new));
        resources.add(sidecar);
        return sidecar;
    }

    /** The NAME='value' lines of an --authenticate output. */
    private static Map<String, String> assignments(String output) {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        Matcher line = Pattern.compile("(?m)^([A-Z_]+)='(.*)'$").matcher(output);
        while (line.find()) {
            values.put(line.group(1), line.group(2));
        }
        return values;
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }
}
