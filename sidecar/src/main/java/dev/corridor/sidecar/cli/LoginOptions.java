package dev.corridor.sidecar.cli;

import dev.corridor.sidecar.config.ClientConfig;
import dev.corridor.sidecar.config.ConfigException;
import dev.corridor.sidecar.config.ConfigFile;
import dev.corridor.sidecar.config.Setting;
import dev.corridor.sidecar.config.Settings;
import dev.corridor.sidecar.protocol.auth.SessionCookies;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The options of a login, shared by {@code connect} and {@code authenticate}: the gateway and its trust, the
 * credentials, second factors, certificates and cookies, and how Corridor presents itself; with the config file's
 * settings under them.
 */
final class LoginOptions {
    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "URL",
            description = "The gateway: https://HOST[:PORT][/PATH], or just HOST.")
    private String server;

    @Option(
            names = {"-u", "--user"},
            paramLabel = "NAME",
            description = "User name to log in with.")
    private String user;

    @Option(
            names = "--user-file",
            paramLabel = "FILE",
            description = "Read the user name from FILE (first line), at every login.")
    private Path userFile;

    @Option(
            names = "--passwd-on-stdin",
            description = "Read the password from standard input, one line per password the gateway asks for.")
    private Boolean passwordOnStdin;

    @Option(
            names = "--password-file",
            paramLabel = "FILE",
            description = "Read the password from FILE, one line per password the gateway asks for, at every login "
                    + "(a rotated Kubernetes Secret takes effect at the next login).")
    private Path passwordFile;

    @Option(
            names = "--servercert",
            paramLabel = "pin-sha256:BASE64",
            description = "Accept the gateway's certificate when its public key has this SHA-256 pin. Repeatable.")
    private List<String> serverCert;

    @Option(names = "--cafile", paramLabel = "FILE", description = "Also trust the CA certificates in FILE (PEM).")
    private Path cafile;

    @Option(
            names = "--authgroup",
            paramLabel = "GROUP",
            description = "Choose GROUP when the gateway offers login groups.")
    private String authgroup;

    @Option(
            names = {"-F", "--form-entry"},
            paramLabel = "FORM:FIELD=VALUE",
            description =
                    "Answer the field FIELD of the login form whose <auth id> is FORM (main, challenge, ...) with VALUE, "
                            + "as openconnect's --form-entry. Repeatable.")
    private List<String> formEntry;

    @Option(
            names = "--token-mode",
            paramLabel = "MODE",
            description = "Answer second-factor prompts with one-time codes: totp or hotp (RFC 6238, RFC 4226).")
    private String tokenMode;

    @Option(
            names = "--token-secret",
            paramLabel = "SECRET",
            description =
                    "The token's seed: base32:..., 0xHEX, the seed's text, or an otpauth:// URI; optional sha256: or "
                            + "sha512: prefix, and for HOTP ,COUNTER. Visible to other processes: prefer --token-secret-file.")
    private String tokenSecret;

    @Option(
            names = "--token-secret-file",
            paramLabel = "FILE",
            description =
                    "Read the token's seed from FILE at every login; for HOTP, the advanced counter is written back.")
    private Path tokenSecretFile;

    @Option(
            names = {"-c", "--certificate"},
            paramLabel = "FILE",
            description =
                    "Client certificate: PEM (with its chain, and the key unless --sslkey) or PKCS#12; read at every login.")
    private Path certificate;

    @Option(
            names = {"-k", "--sslkey"},
            paramLabel = "FILE",
            description = "The client certificate's key (PEM: PKCS#1, SEC1, PKCS#8, encrypted or not).")
    private Path sslkey;

    @Option(
            names = "--key-password-file",
            paramLabel = "FILE",
            description = "The password of an encrypted key or PKCS#12 file.")
    private Path keyPasswordFile;

    @Option(
            names = "--mca-certificate",
            paramLabel = "FILE",
            description = "The user certificate of ASA multiple-certificate authentication (-c is the machine's).")
    private Path mcaCertificate;

    @Option(names = "--mca-key", paramLabel = "FILE", description = "The user certificate's key.")
    private Path mcaKey;

    @Option(
            names = "--mca-key-password-file",
            paramLabel = "FILE",
            description = "The password of an encrypted user key.")
    private Path mcaKeyPasswordFile;

    @Option(
            names = "--cookie-on-stdin",
            description =
                    "Read a session cookie from standard input and open the tunnel with it, without a login (a cookie "
                            + "from 'corridor-sidecar authenticate' or openconnect --authenticate, e.g. after an SSO login).")
    private Boolean cookieOnStdin;

    @Option(
            names = "--cookie-file",
            paramLabel = "FILE",
            description =
                    "The same from FILE; once the gateway no longer accepts it, the sidecar waits until FILE changes.")
    private Path cookieFile;

    @Option(
            names = "--useragent",
            paramLabel = "STRING",
            description =
                    "The User-Agent to send (default: AnyConnect-compatible OpenConnect VPN Agent v9.20 (Corridor)).")
    private String useragent;

    @Option(
            names = "--os",
            paramLabel = "OS",
            description = "The platform to report: linux, linux-64 (default), win, mac-intel, android or apple-ios.")
    private String os;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warn, info (default) or debug.")
    String logLevel;

    @Option(names = "--config", paramLabel = "FILE", description = "Read settings from FILE (YAML).")
    private Path configFile;

    /** What a login reads from standard input, once. */
    record Input(List<String> passwords, Optional<String> cookie) {}

    /** The settings of the config file, with those given here on top, and {@code more} on top of those. */
    ClientConfig resolve(Settings more) throws ConfigException {
        Settings fromFile = configFile == null ? Settings.empty() : ConfigFile.load(configFile);
        return fromFile.overriddenBy(commandLine()).overriddenBy(more).resolve();
    }

    /** Reads the passwords or the cookie standard input gives, when the configuration says it gives them. */
    static Input readInput(ClientConfig config) throws ConfigException {
        if (!config.passwordOnStdin() && !config.cookieOnStdin()) {
            return new Input(List.of(), Optional.empty());
        }
        List<String> lines;
        try {
            lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                    .lines()
                    .toList();
        } catch (java.io.UncheckedIOException e) {
            throw new ConfigException(
                    "cannot read standard input: " + e.getCause().getMessage(), e);
        }
        if (config.passwordOnStdin()) {
            return new Input(lines, Optional.empty()); // no input, no password; an empty line, an empty one
        }
        try {
            return new Input(List.of(), Optional.of(SessionCookies.fromText(lines.isEmpty() ? "" : lines.getFirst())));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("the cookie on standard input: " + e.getMessage());
        }
    }

    Settings commandLine() {
        return Settings.empty()
                .with(Setting.SERVER, server)
                .with(Setting.USER, user)
                .with(Setting.USER_FILE, text(userFile))
                .with(Setting.PASSWORD_FILE, text(passwordFile))
                .with(Setting.PASSWORD_ON_STDIN, passwordOnStdin)
                .with(Setting.SERVER_CERT, serverCert)
                .with(Setting.CAFILE, text(cafile))
                .with(Setting.AUTHGROUP, authgroup)
                .with(Setting.FORM_ENTRY, formEntry)
                .with(Setting.TOKEN_MODE, tokenMode)
                .with(Setting.TOKEN_SECRET, tokenSecret)
                .with(Setting.TOKEN_SECRET_FILE, text(tokenSecretFile))
                .with(Setting.CERTIFICATE, text(certificate))
                .with(Setting.SSLKEY, text(sslkey))
                .with(Setting.KEY_PASSWORD_FILE, text(keyPasswordFile))
                .with(Setting.MCA_CERTIFICATE, text(mcaCertificate))
                .with(Setting.MCA_KEY, text(mcaKey))
                .with(Setting.MCA_KEY_PASSWORD_FILE, text(mcaKeyPasswordFile))
                .with(Setting.COOKIE_ON_STDIN, cookieOnStdin)
                .with(Setting.COOKIE_FILE, text(cookieFile))
                .with(Setting.USERAGENT, useragent)
                .with(Setting.OS, os)
                .with(Setting.LOG_LEVEL, logLevel);
    }

    static String text(Path path) {
        return path == null ? null : path.toString();
    }
}
