package dev.corridor.sidecar.testing;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** RFC 6238 time-based one-time passwords (30 s, 6 digits, HMAC-SHA1), as liboath checks them in ocserv. */
public final class Totp {
    private Totp() {}

    public static String code(String hexSecret, Instant now) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(HexFormat.of().parseHex(hexSecret), "HmacSHA1"));
        byte[] hash = mac.doFinal(
                ByteBuffer.allocate(8).putLong(now.getEpochSecond() / 30).array());
        int offset = hash[hash.length - 1] & 0xf;
        int binary = ByteBuffer.wrap(hash, offset, 4).getInt() & 0x7fffffff;
        return String.format("%06d", binary % 1_000_000);
    }
}
