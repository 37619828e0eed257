package dev.corridor.sidecar.token;

import dev.corridor.sidecar.protocol.auth.AuthenticationException;
import dev.corridor.sidecar.protocol.auth.OneTimeCodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The codes of a soft token (openconnect's {@code --token-mode totp|hotp}). No code is ever made twice: a TOTP code
 * for a period already used in this process takes the next period instead (two logins within 30 s would otherwise
 * send the same code, which servers refuse as a replay), and a HOTP counter is written back to the secret file before
 * its code is used, so that even a crash right after cannot repeat it.
 */
public final class SoftToken implements OneTimeCodes {
    /** A secret file holds one line; a bound keeps a strange mount from being read whole. */
    private static final int MAX_FILE = 64 * 1024;

    private static final Pattern COUNTER_SUFFIX = Pattern.compile(",\\s*\\d+\\s*$");
    private static final Pattern URI_COUNTER = Pattern.compile("([?&]counter=)\\d+");

    private final TokenMode mode;
    private final Optional<String> secret;
    private final Optional<Path> secretFile;
    private final Clock clock;
    private long lastTotpStep = Long.MIN_VALUE;

    /** @param secretFile where the secret is read at every code (and a HOTP counter saved), when not given inline */
    public SoftToken(TokenMode mode, Optional<String> secret, Optional<Path> secretFile, Clock clock) {
        if (secret.isPresent() == secretFile.isPresent() || (mode == TokenMode.HOTP && secretFile.isEmpty())) {
            throw new IllegalArgumentException("a soft token takes its secret inline or from a file (HOTP: a file)");
        }
        this.mode = mode;
        this.secret = secret;
        this.secretFile = secretFile;
        this.clock = clock;
    }

    @Override
    public synchronized String next() throws AuthenticationException {
        String text = secretText();
        TokenSecret seed;
        try {
            seed = TokenSecret.parse(text);
        } catch (IllegalArgumentException e) {
            throw AuthenticationException.unanswerable(source() + ": " + e.getMessage());
        }
        return switch (mode) {
            case TOTP -> {
                long step = Math.floorDiv(
                        clock.instant().getEpochSecond(), seed.period().toSeconds());
                lastTotpStep = Math.max(step, lastTotpStep + 1);
                yield OneTimeCode.hotp(seed, lastTotpStep);
            }
            case HOTP -> {
                long counter = seed.counter().orElse(0);
                saveCounter(text, counter + 1);
                yield OneTimeCode.hotp(seed, counter);
            }
        };
    }

    /** The secret's text with its HOTP counter set to {@code next}, in the form it was written (prefixes kept). */
    static String withCounter(String text, long next) {
        String line = text.strip();
        if (line.regionMatches(true, 0, "otpauth://", 0, 10)) {
            Matcher counter = URI_COUNTER.matcher(line);
            return (counter.find()
                            ? counter.replaceFirst("$1" + next)
                            : line + (line.contains("?") ? "&" : "?") + "counter=" + next)
                    + "\n";
        }
        return COUNTER_SUFFIX.matcher(line).replaceFirst("") + "," + next + "\n";
    }

    private void saveCounter(String text, long next) throws AuthenticationException {
        Path file = secretFile.orElseThrow();
        try {
            Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), ".corridor-token", ".tmp");
            try {
                Files.writeString(temporary, withCounter(text, next), StandardCharsets.UTF_8);
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (AccessDeniedException | ReadOnlyFileSystemException e) {
            throw AuthenticationException.unanswerable(
                    "the HOTP counter cannot be saved: " + file + " is read-only (a Kubernetes "
                            + "Secret is); a HOTP code is made only once its counter is saved, so that none is sent twice. Use TOTP, or a "
                            + "writable file");
        } catch (IOException e) {
            String reason = e.getMessage() != null && e.getMessage().contains("Read-only")
                    ? "it is read-only (a Kubernetes Secret is)"
                    : e.getMessage();
            throw AuthenticationException.unanswerable(
                    "the HOTP counter cannot be saved to " + file + ": " + reason
                            + "; a HOTP code is made only once its counter is saved, so that none is sent twice. Use TOTP, or a writable file");
        }
    }

    private String secretText() throws AuthenticationException {
        if (secret.isPresent()) {
            return secret.get();
        }
        Path file = secretFile.orElseThrow();
        try (var in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE + 1);
            if (bytes.length > MAX_FILE) {
                throw AuthenticationException.unanswerable(
                        "the token secret file " + file + " is larger than " + MAX_FILE + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8).lines().findFirst().orElse("");
        } catch (IOException e) {
            throw AuthenticationException.unanswerable(
                    "cannot read the token secret file " + file + ": " + e.getMessage());
        }
    }

    private String source() {
        return secretFile.map(file -> "the token secret in " + file).orElse("tokenSecret");
    }
}
