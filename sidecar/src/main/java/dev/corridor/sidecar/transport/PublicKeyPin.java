package dev.corridor.sidecar.transport;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * An openconnect-style certificate pin, {@code pin-sha256:BASE64}: the SHA-256 of the certificate's
 * SubjectPublicKeyInfo, so it survives re-issuing a certificate for the same key.
 */
public record PublicKeyPin(String base64) {
    static final String PREFIX = "pin-sha256:";

    public PublicKeyPin {
        byte[] digest;
        try {
            digest = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "'" + PREFIX + base64 + "' is not a pin: the part after " + PREFIX + " is not base64");
        }
        if (digest.length != 32) {
            throw new IllegalArgumentException(
                    "'" + PREFIX + base64 + "' is not a pin: it holds " + digest.length + " bytes, a SHA-256 has 32");
        }
    }

    public static PublicKeyPin parse(String text) {
        String trimmed = text.strip();
        if (!trimmed.startsWith(PREFIX)) {
            throw new IllegalArgumentException("'" + text + "' is not a pin: expected " + PREFIX
                    + "BASE64 (the SHA-256 of the certificate's public key)");
        }
        return new PublicKeyPin(trimmed.substring(PREFIX.length()));
    }

    public static PublicKeyPin of(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(certificate.getPublicKey().getEncoded());
            return new PublicKeyPin(Base64.getEncoder().encodeToString(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return PREFIX + base64;
    }
}
