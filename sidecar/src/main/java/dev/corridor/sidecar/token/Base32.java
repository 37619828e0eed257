package dev.corridor.sidecar.token;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/** RFC 4648 base32, the encoding of authenticator seeds: case and padding ignored, as authenticator apps do. */
final class Base32 {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private Base32() {}

    /** @throws IllegalArgumentException naming the position of a character outside the alphabet, never the text */
    static byte[] decode(String text) {
        String clean = text.replace(" ", "").replace("-", "").toUpperCase(Locale.ROOT);
        int end = clean.length();
        while (end > 0 && clean.charAt(end - 1) == '=') {
            end--;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(end * 5 / 8);
        int buffer = 0;
        int bits = 0;
        for (int i = 0; i < end; i++) {
            int value = ALPHABET.indexOf(clean.charAt(i));
            if (value < 0) {
                throw new IllegalArgumentException(
                        "the base32 token secret has a character outside A-Z and 2-7 at position " + (i + 1));
            }
            buffer = buffer << 5 | value;
            bits += 5;
            if (bits >= 8) {
                out.write(buffer >> (bits - 8) & 0xff);
                bits -= 8;
            }
        }
        return out.toByteArray();
    }
}
