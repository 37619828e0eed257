package dev.corridor.sidecar.cli;

import dev.corridor.sidecar.config.ClientConfig;
import dev.corridor.sidecar.config.ConfigException;
import dev.corridor.sidecar.protocol.auth.Credentials;
import dev.corridor.sidecar.session.CredentialSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Credentials from the configuration: the user name given or read from a file, and the passwords read from
 * a file (one per line) at every login, so that a rotated Kubernetes Secret takes effect without a restart;
 * or the passwords read once from standard input.
 */
final class FileCredentials implements CredentialSource {
    private final Optional<String> user;
    private final Optional<Path> userFile;
    private final Optional<Path> passwordFile;
    private final List<String> stdinPasswords;

    FileCredentials(ClientConfig config, List<String> stdinPasswords) {
        this.user = config.user();
        this.userFile = config.userFile();
        this.passwordFile = config.passwordFile();
        this.stdinPasswords = List.copyOf(stdinPasswords);
    }

    @Override
    public Credentials load() throws ConfigException {
        Optional<String> username = user;
        if (userFile.isPresent()) {
            String name = read(userFile.get(), "user file").getFirst();
            if (name.isBlank()) {
                throw new ConfigException("the user file " + userFile.get() + " is empty");
            }
            username = Optional.of(name);
        }
        List<String> passwords = passwordFile.isPresent() ? read(passwordFile.get(), "password file") : stdinPasswords;
        return new Credentials(username, passwords);
    }

    /** A digest of the user and password files, which a Kubernetes Secret update replaces. */
    @Override
    public Optional<String> revision() {
        if (userFile.isEmpty() && passwordFile.isEmpty()) {
            return Optional.empty();
        }
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        for (Optional<Path> file : List.of(userFile, passwordFile)) {
            if (file.isPresent()) {
                try {
                    digest.update(Files.readAllBytes(file.get()));
                } catch (IOException e) {
                    digest.update(e.getClass().getName().getBytes(StandardCharsets.UTF_8)); // unreadable counts as a state too
                }
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

    private static List<String> read(Path file, String what) throws ConfigException {
        try {
            return lines(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException("cannot read the " + what + " " + file + ": " + e.getMessage(), e);
        }
    }
}
