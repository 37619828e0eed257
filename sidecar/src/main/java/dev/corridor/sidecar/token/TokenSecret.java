package dev.corridor.sidecar.token;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A one-time-code seed and how codes are made from it, parsed from the forms openconnect's {@code --token-secret}
 * takes ({@code oath.c}): an optional {@code sha1:}, {@code sha256:} or {@code sha512:} prefix, then
 * {@code base32:SECRET}, {@code 0xHEX} or the secret's bytes as text, and for HOTP an optional {@code ,COUNTER};
 * or an {@code otpauth://totp/...} or {@code otpauth://hotp/...} URI, which also carries the digits, the period
 * and the counter.
 *
 * @param counter the HOTP counter the secret names, if any
 */
public record TokenSecret(byte[] key, Algorithm algorithm, int digits, Duration period, OptionalLong counter) {
    public static final int DEFAULT_DIGITS = 6;
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(30);

    /** The HMAC behind the codes. */
    public enum Algorithm {
        SHA1("HmacSHA1"),
        SHA256("HmacSHA256"),
        SHA512("HmacSHA512");

        private final String jceName;

        Algorithm(String jceName) {
            this.jceName = jceName;
        }

        String jceName() {
            return jceName;
        }
    }

    public TokenSecret {
        key = key.clone();
        if (key.length == 0) {
            throw new IllegalArgumentException("the token secret is empty");
        }
        if (digits < 6 || digits > 8) {
            throw new IllegalArgumentException("a one-time code has 6 to 8 digits, not " + digits);
        }
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("a TOTP period must be positive");
        }
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    /** The same seed at another HOTP counter value. */
    public TokenSecret atCounter(long value) {
        return new TokenSecret(key, algorithm, digits, period, OptionalLong.of(value));
    }

    /**
     * Parses a secret in any of the accepted forms.
     *
     * @throws IllegalArgumentException naming what is wrong, never quoting the secret
     */
    public static TokenSecret parse(String text) {
        String trimmed = text.strip();
        if (trimmed.regionMatches(true, 0, "otpauth://", 0, 10)) {
            return fromUri(trimmed);
        }
        Algorithm algorithm = Algorithm.SHA1;
        for (Algorithm candidate : Algorithm.values()) {
            String prefix = candidate.name().toLowerCase(Locale.ROOT) + ":";
            if (trimmed.regionMatches(true, 0, prefix, 0, prefix.length())) {
                algorithm = candidate;
                trimmed = trimmed.substring(prefix.length());
                break;
            }
        }
        OptionalLong counter = OptionalLong.empty();
        int comma = trimmed.lastIndexOf(',');
        if (comma >= 0) {
            counter = OptionalLong.of(counter(trimmed.substring(comma + 1)));
            trimmed = trimmed.substring(0, comma);
        }
        byte[] key;
        if (trimmed.regionMatches(true, 0, "base32:", 0, 7)) {
            key = Base32.decode(trimmed.substring(7));
        } else if (trimmed.regionMatches(true, 0, "0x", 0, 2)) {
            try {
                key = HexFormat.of().parseHex(trimmed.substring(2));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "the token secret starts with 0x but is not hexadecimal (an even number of 0-9, a-f)");
            }
        } else {
            key = trimmed.getBytes(StandardCharsets.UTF_8);
        }
        return new TokenSecret(key, algorithm, DEFAULT_DIGITS, DEFAULT_PERIOD, counter);
    }

    /** An otpauth URI (the Key Uri Format of Google Authenticator, which authenticator QR codes hold). */
    private static TokenSecret fromUri(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the token secret is not a valid otpauth:// URI");
        }
        String type = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (!type.equals("totp") && !type.equals("hotp")) {
            throw new IllegalArgumentException("an otpauth:// URI names totp or hotp, not '" + type + "'");
        }
        Map<String, String> parameters = new HashMap<>();
        for (String pair :
                uri.getRawQuery() == null ? new String[0] : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                parameters.put(decode(pair.substring(0, eq)).toLowerCase(Locale.ROOT), decode(pair.substring(eq + 1)));
            }
        }
        String secret = parameters.get("secret");
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("the otpauth:// URI has no secret parameter");
        }
        Algorithm algorithm;
        try {
            algorithm = Algorithm.valueOf(
                    parameters.getOrDefault("algorithm", "SHA1").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the otpauth:// URI's algorithm is not SHA1, SHA256 or SHA512");
        }
        int digits = (int) number(parameters.getOrDefault("digits", String.valueOf(DEFAULT_DIGITS)), "digits");
        Duration period = Duration.ofSeconds(
                number(parameters.getOrDefault("period", String.valueOf(DEFAULT_PERIOD.toSeconds())), "period"));
        OptionalLong counter = parameters.containsKey("counter")
                ? OptionalLong.of(counter(parameters.get("counter")))
                : OptionalLong.empty();
        if (type.equals("hotp") && counter.isEmpty()) {
            throw new IllegalArgumentException("an otpauth://hotp URI needs a counter parameter");
        }
        return new TokenSecret(Base32.decode(secret), algorithm, digits, period, counter);
    }

    private static long counter(String text) {
        return number(text, "counter");
    }

    private static long number(String text, String what) {
        try {
            long value = Long.parseLong(text.strip());
            if (value < 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "the token secret's " + what + " is not a whole number: '" + text.strip() + "'");
        }
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TokenSecret that
                && Arrays.equals(key, that.key)
                && algorithm == that.algorithm
                && digits == that.digits
                && period.equals(that.period)
                && counter.equals(that.counter);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key) * 31 + algorithm.hashCode();
    }

    @Override
    public String toString() {
        return "TokenSecret[" + algorithm + ", " + digits + " digits, " + period.toSeconds() + " s"
                + "]"; // never the key
    }
}
