package dev.corridor.sidecar.http;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The token that callers other than loopback present ({@code Authorization: Bearer TOKEN}) to read the tunnel's
 * details: the content of a file, whitespace stripped. A rotated Kubernetes Secret replaces the file, so it is looked
 * at again at most every {@link #RECHECK_INTERVAL}, with one {@code stat}, and read again when it changed. While the
 * file is missing, unreadable or empty, no token is accepted.
 */
final class StatusToken {
    private static final Logger LOG = System.getLogger(StatusToken.class.getName());

    /** The kubelet takes up to a minute or so to bring a rotated Secret into the pod; a few seconds more are nothing. */
    static final Duration RECHECK_INTERVAL = Duration.ofSeconds(5);
    /** A token is one short line; more means the setting names the wrong file. */
    static final int MAX_BYTES = 4096;

    enum Check {
        ACCEPTED,
        MISSING,
        WRONG,
        UNAVAILABLE
    }

    private final Path file;
    private final LongSupplier nanoTime;
    private long checkedAt;
    /** The file as last read; null when it has to be read at the next check. */
    private Version version;
    /** SHA-256 of the token, so that the comparison takes the same time whatever the lengths; null while unusable. */
    private byte[] digest;
    /** Why no token is accepted, as last logged; null while the token is usable. */
    private String problem;

    private record Version(FileTime modified, long size, Object fileKey) {}

    StatusToken(Path file, LongSupplier nanoTime) {
        this.file = file;
        this.nanoTime = nanoTime;
        this.checkedAt = nanoTime.getAsLong();
        refresh();
    }

    /** Reads the file now; later checks look at it again when {@link #RECHECK_INTERVAL} has passed. */
    static StatusToken read(Path file) {
        return new StatusToken(file, System::nanoTime);
    }

    /** Checks the {@code Authorization} header a request carried. */
    Check check(Optional<String> authorization) {
        byte[] expected = current();
        if (expected == null) {
            return Check.UNAVAILABLE;
        }
        Optional<String> presented = authorization.flatMap(StatusToken::bearer);
        if (presented.isEmpty()) {
            return Check.MISSING;
        }
        return MessageDigest.isEqual(expected, sha256(presented.get())) ? Check.ACCEPTED : Check.WRONG;
    }

    private synchronized byte[] current() {
        long now = nanoTime.getAsLong();
        if (now - checkedAt >= RECHECK_INTERVAL.toNanos()) {
            checkedAt = now;
            refresh();
        }
        return digest;
    }

    private void refresh() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            Version seen = new Version(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
            if (seen.equals(version)) {
                return;
            }
            byte[] content;
            try (InputStream in = Files.newInputStream(file)) {
                content = in.readNBytes(MAX_BYTES + 1);
            }
            String token = new String(content, StandardCharsets.UTF_8).strip();
            if (content.length > MAX_BYTES) {
                unusable("is larger than " + MAX_BYTES + " bytes; it should hold one token");
            } else if (token.isEmpty()) {
                unusable("is empty");
            } else if (token.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
                unusable("holds spaces or control characters inside the token");
            } else {
                usable(sha256(token), seen);
            }
        } catch (IOException e) {
            unusable(
                    switch (e) {
                        case NoSuchFileException missing -> "does not exist";
                        case AccessDeniedException denied -> "cannot be read: permission denied";
                        default -> "cannot be read: " + e;
                    });
        }
    }

    private void unusable(String why) {
        digest = null;
        version = null;
        if (!why.equals(problem)) {
            LOG.log(Level.WARNING, "/status answers loopback callers only: the status token file {0} {1}", file, why);
            problem = why;
        }
    }

    private void usable(byte[] token, Version seen) {
        if (problem != null) {
            LOG.log(Level.INFO, "the status token file {0} holds a token again: /status accepts it", file);
        } else if (digest != null && !MessageDigest.isEqual(digest, token)) {
            LOG.log(Level.INFO, "the status token file {0} changed: /status accepts the new token only", file);
        }
        digest = token;
        version = seen;
        problem = null;
    }

    /** The credential of {@code Bearer CREDENTIAL}; the scheme's name is case-insensitive (RFC 9110, 11.1). */
    private static Optional<String> bearer(String authorization) {
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String credential = authorization.substring(7).strip();
        return credential.isEmpty() ? Optional.empty() : Optional.of(credential);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
