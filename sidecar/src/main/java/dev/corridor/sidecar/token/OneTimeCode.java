package dev.corridor.sidecar.token;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.time.Instant;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One-time codes: HOTP (RFC 4226), a code per counter value, and TOTP (RFC 6238), HOTP over the number of periods
 * since the Unix epoch. A dozen lines over the JDK's HMAC; the RFCs' test vectors prove them.
 */
public final class OneTimeCode {
    private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private OneTimeCode() {}

    /** The HOTP code for a counter value (RFC 4226 section 5.3: dynamic truncation, then modulo 10^digits). */
    public static String hotp(TokenSecret secret, long counter) {
        byte[] hash;
        try {
            Mac mac = Mac.getInstance(secret.algorithm().jceName());
            mac.init(new SecretKeySpec(secret.key(), secret.algorithm().jceName()));
            hash = mac.doFinal(longBytes(counter));
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("the token secret is not a usable HMAC key", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "every JDK has " + secret.algorithm().jceName(), e);
        }
        int offset = hash[hash.length - 1] & 0xf;
        int binary = (hash[offset] & 0x7f) << 24
                | (hash[offset + 1] & 0xff) << 16
                | (hash[offset + 2] & 0xff) << 8
                | (hash[offset + 3] & 0xff);
        String code = Integer.toString(binary % POWERS[secret.digits()]);
        return "0".repeat(secret.digits() - code.length()) + code;
    }

    /** The TOTP code for a moment (RFC 6238 section 4: T = floor((now - T0) / X), T0 = 0). */
    public static String totp(TokenSecret secret, Instant now) {
        return hotp(secret, Math.floorDiv(now.getEpochSecond(), secret.period().toSeconds()));
    }

    private static byte[] longBytes(long value) {
        byte[] bytes = new byte[8];
        for (int i = 7; i >= 0; i--) {
            bytes[i] = (byte) value;
            value >>>= 8;
        }
        return bytes;
    }
}
