package dev.corridor.sidecar.protocol.sso;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the ASA does to the SSO token before it sends the browser to the client's listener: the inverse of openconnect's
 * {@code hpke.c handle_external_browser}, written from it and from {@code gnutls.c} ({@code ecdh_compute_secp256r1},
 * {@code hkdf_sha256_extract_expand}, {@code aes_256_gcm_decrypt}). A fresh P-256 key of the gateway's, ECDH with the
 * client's STRAP-DH key, HKDF-SHA256 (no salt, info {@code AC_ECIES}) written out from RFC 5869 so that the tests do
 * not share the code under test's use of {@code javax.crypto.KDF}, AES-256-GCM with a 12-byte IV and tag. The
 * {@code AsaSsoIT} proves that openconnect 9.01 itself opens what this seals.
 */
public final class AsaTokenSealer {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AsaTokenSealer() {}

    /** The four fields of a sealed token. */
    public record Sealed(byte[] gatewayKey, byte[] tag, byte[] ciphertext, byte[] iv) {
        /** {@code 00 01}, then the fields as tag 1, 2, 3, 4: the order of the ASA's token hpke.c shows. */
        public byte[] blob() {
            return blob(1, 2, 3, 4);
        }

        /** The fields in the order given by tag number. */
        public byte[] blob(int... order) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(new byte[] {0, 1});
            for (int field : order) {
                out.writeBytes(tlv(
                        field,
                        switch (field) {
                            case 1 -> gatewayKey;
                            case 2 -> tag;
                            case 3 -> ciphertext;
                            case 4 -> iv;
                            default -> throw new IllegalArgumentException("tag " + field);
                        }));
            }
            return out.toByteArray();
        }

        /** The blob as it travels in the redirect's path: base64, URL-encoded. */
        public String inUrl() {
            return java.net.URLEncoder.encode(Base64.getEncoder().encodeToString(blob()), StandardCharsets.UTF_8);
        }
    }

    /** Seals {@code token} to the client's STRAP-DH key as the base64 DER of {@code X-AnyConnect-STRAP-DH-Pubkey}. */
    public static Sealed seal(String token, String dhPublicKeyHeader) {
        try {
            PublicKey client = KeyFactory.getInstance("EC")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(dhPublicKeyHeader)));
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair ephemeral = generator.generateKeyPair();
            KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
            agreement.init(ephemeral.getPrivate());
            agreement.doPhase(client, true);
            byte[] key = hkdfSha256(agreement.generateSecret(), "AC_ECIES".getBytes(StandardCharsets.US_ASCII));
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(96, iv));
            byte[] sealed = aes.doFinal(token.getBytes(StandardCharsets.UTF_8));
            return new Sealed(
                    ephemeral.getPublic().getEncoded(),
                    Arrays.copyOfRange(sealed, sealed.length - 12, sealed.length),
                    Arrays.copyOf(sealed, sealed.length - 12),
                    iv);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A tag, a length (both big-endian 16-bit) and the value. */
    public static byte[] tlv(int tag, byte[] value) {
        byte[] out = new byte[4 + value.length];
        out[0] = (byte) (tag >> 8);
        out[1] = (byte) tag;
        out[2] = (byte) (value.length >> 8);
        out[3] = (byte) value.length;
        System.arraycopy(value, 0, out, 4, value.length);
        return out;
    }

    /** RFC 5869 with an empty salt (HMAC's key padding makes it the HashLen zeros of the RFC), one block of output. */
    private static byte[] hkdfSha256(byte[] secret, byte[] info) throws GeneralSecurityException {
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
        byte[] prk = hmac.doFinal(secret);
        hmac.init(new SecretKeySpec(prk, "HmacSHA256"));
        hmac.update(info);
        hmac.update((byte) 1);
        return hmac.doFinal();
    }
}
