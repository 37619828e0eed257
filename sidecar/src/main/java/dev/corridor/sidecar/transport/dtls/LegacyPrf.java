package dev.corridor.sidecar.transport.dtls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The TLS 1.0/1.1 pseudo-random function (RFC 2246 5, RFC 4346 5): P_MD5 over the secret's first half XOR P_SHA1
 * over its second half. DTLS 0.9 derives its key block and Finished values with it, and hashes the handshake with
 * MD5 and SHA-1 side by side.
 */
final class LegacyPrf {
    private LegacyPrf() {}

    static byte[] prf(byte[] secret, String label, byte[] seed, int length) {
        byte[] labelAndSeed = concat(label.getBytes(StandardCharsets.US_ASCII), seed);
        int half = (secret.length + 1) / 2;
        byte[] first = java.util.Arrays.copyOfRange(secret, 0, half);
        byte[] second = java.util.Arrays.copyOfRange(secret, secret.length - half, secret.length);
        byte[] md5 = expand("HmacMD5", first, labelAndSeed, length);
        byte[] sha1 = expand("HmacSHA1", second, labelAndSeed, length);
        for (int i = 0; i < length; i++) {
            md5[i] ^= sha1[i];
        }
        return md5;
    }

    /** The Finished value of DTLS 0.9: PRF(master, label, MD5(messages) | SHA1(messages)), 12 bytes. */
    static byte[] finished(byte[] masterSecret, String label, byte[] messages) {
        try {
            byte[] hash = concat(
                    MessageDigest.getInstance("MD5").digest(messages),
                    MessageDigest.getInstance("SHA-1").digest(messages));
            return prf(masterSecret, label, hash, 12);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("MD5 or SHA-1 is unavailable", e);
        }
    }

    /** P_hash (RFC 2246 5): HMAC(secret, A(i) | seed) for A(0) = seed, A(i) = HMAC(secret, A(i-1)). */
    private static byte[] expand(String algorithm, byte[] secret, byte[] seed, int length) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(secret.length == 0 ? new byte[1] : secret, algorithm));
            byte[] out = new byte[length];
            byte[] a = seed;
            for (int at = 0; at < length; ) {
                a = mac.doFinal(a);
                mac.update(a);
                byte[] block = mac.doFinal(seed);
                int n = Math.min(block.length, length - at);
                System.arraycopy(block, 0, out, at, n);
                at += n;
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is unavailable", e);
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
