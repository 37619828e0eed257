package dev.corridor.sidecar.cli;

import dev.corridor.sidecar.config.CertificateFiles;
import dev.corridor.sidecar.config.ClientConfig;
import dev.corridor.sidecar.config.ConfigException;
import dev.corridor.sidecar.protocol.auth.Credentials;
import dev.corridor.sidecar.protocol.auth.OneTimeCodes;
import dev.corridor.sidecar.protocol.auth.SessionCookies;
import dev.corridor.sidecar.session.CredentialSource;
import dev.corridor.sidecar.session.LoginSecrets;
import dev.corridor.sidecar.token.SoftToken;
import dev.corridor.sidecar.transport.ClientIdentity;
import dev.corridor.sidecar.transport.ClientIdentityException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * What a login presents, from the configuration: the user name given or read from a file, the passwords read from a
 * file (one per line) or once from standard input, the form entries, a soft token, client certificates, or a session
 * cookie instead of all that. Files are read at every login, so that a rotated Kubernetes Secret (or a certificate
 * cert-manager renewed) takes effect without a restart.
 */
final class FileCredentials implements CredentialSource {
    private final ClientConfig config;
    private final List<String> stdinPasswords;
    private final Optional<String> stdinCookie;
    private final Optional<OneTimeCodes> token;

    /**
     * @param stdinPasswords the passwords read from standard input ({@code --passwd-on-stdin}), else empty
     * @param stdinCookie    the session cookie read from standard input ({@code --cookie-on-stdin})
     */
    FileCredentials(ClientConfig config, List<String> stdinPasswords, Optional<String> stdinCookie) {
        this.config = config;
        this.stdinPasswords = List.copyOf(stdinPasswords);
        this.stdinCookie = stdinCookie;
        // One token for the process: it remembers which TOTP periods it already used.
        this.token = config.token().map(t -> new SoftToken(t.mode(), t.secret(), t.secretFile(), Clock.systemUTC()));
    }

    @Override
    public LoginSecrets load() throws ConfigException {
        Optional<String> username = config.user();
        if (config.userFile().isPresent()) {
            String name = read(config.userFile().get(), "user file").getFirst();
            if (name.isBlank()) {
                throw new ConfigException("the user file " + config.userFile().get() + " is empty");
            }
            username = Optional.of(name);
        }
        List<String> passwords =
                config.passwordFile().isPresent() ? read(config.passwordFile().get(), "password file") : stdinPasswords;
        Optional<String> cookie = stdinCookie;
        if (config.cookieFile().isPresent()) {
            try {
                cookie = Optional.of(SessionCookies.fromText(
                        read(config.cookieFile().get(), "cookie file").getFirst()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(
                        "the cookie file " + config.cookieFile().get() + ": " + e.getMessage());
            }
        }
        return new LoginSecrets(
                new Credentials(username, passwords, config.formEntries(), token),
                identity(config.certificate(), "certificate"),
                identity(config.userCertificate(), "mcaCertificate"),
                cookie);
    }

    /** A digest of every file a login reads: after a refusal, the next login waits until one of them changes. */
    @Override
    public Optional<String> revision() {
        List<Path> files = new ArrayList<>();
        config.userFile().ifPresent(files::add);
        config.passwordFile().ifPresent(files::add);
        config.cookieFile().ifPresent(files::add);
        config.token().flatMap(t -> t.secretFile()).ifPresent(files::add);
        for (Optional<CertificateFiles> certificate : List.of(config.certificate(), config.userCertificate())) {
            certificate.ifPresent(c -> {
                files.add(c.certificate());
                c.key().ifPresent(files::add);
                c.passwordFile().ifPresent(files::add);
            });
        }
        if (files.isEmpty()) {
            return Optional.empty();
        }
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        for (Path file : files) {
            try {
                digest.update(Files.readAllBytes(file));
            } catch (IOException e) {
                digest.update(
                        e.getClass().getName().getBytes(StandardCharsets.UTF_8)); // unreadable counts as a state too
            }
            digest.update((byte) 0);
        }
        return Optional.of(HexFormat.of().formatHex(digest.digest()));
    }

    /**
     * Lines of a secret file, without line ends. An empty line is an answer like any other (an empty password), and
     * so is an empty file (a Secret holding an empty value); only the final line end is no line of its own.
     */
    static List<String> lines(String content) {
        List<String> lines = content.lines().toList();
        return lines.isEmpty() ? List.of("") : lines;
    }

    private static Optional<ClientIdentity> identity(Optional<CertificateFiles> files, String setting)
            throws ConfigException {
        if (files.isEmpty()) {
            return Optional.empty();
        }
        CertificateFiles certificate = files.get();
        Optional<char[]> password = Optional.empty();
        if (certificate.passwordFile().isPresent()) {
            password = Optional.of(read(certificate.passwordFile().get(), "key password file")
                    .getFirst()
                    .toCharArray());
        }
        try {
            return Optional.of(ClientIdentity.load(certificate.certificate(), certificate.key(), password));
        } catch (ClientIdentityException e) {
            throw new ConfigException(setting + ": " + e.getMessage(), e);
        }
    }

    private static List<String> read(Path file, String what) throws ConfigException {
        try {
            return lines(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException("cannot read the " + what + " " + file + ": " + e.getMessage(), e);
        }
    }
}
