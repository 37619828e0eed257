package dev.corridor.sidecar.protocol.sso;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.util.BigIntegers;

/**
 * The two P-256 keys of AnyConnect's Session Token Re-use Anchor Protocol (STRAP) that a login in the external browser
 * announces in every request (openconnect {@code cstp.c cstp_common_headers}, {@code gnutls.c generate_strap_keys}):
 * the gateway encrypts the SSO token to the DH key, and binds the session to the other one, whose holder must sign the
 * CONNECT that uses the session's cookie ({@code X-AnyConnect-STRAP-Verify}). Both are fresh for each login. The
 * signing key leaves the process only inside the cookie, as {@code openconnect_strapkey}: that is how openconnect hands
 * it from {@code --authenticate} to the process that connects ({@code auth.c}, commit 8bacc334).
 */
public final class StrapKeys {
    public static final String PUBKEY_HEADER = "X-AnyConnect-STRAP-Pubkey";
    public static final String DH_PUBKEY_HEADER = "X-AnyConnect-STRAP-DH-Pubkey";
    /** The cookie that carries the signing key next to {@code webvpn} (openconnect {@code cstp.c cstp_connect}). */
    public static final String COOKIE_NAME = "openconnect_strapkey";

    static final String CURVE = "secp256r1";
    private static final int FIELD_BYTES = 32;

    private final KeyPair signing;
    private final KeyPair dh;

    private StrapKeys(KeyPair signing, KeyPair dh) {
        this.signing = signing;
        this.dh = dh;
    }

    public static StrapKeys generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(CURVE));
            return new StrapKeys(generator.generateKeyPair(), generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make P-256 keys: " + e.getMessage(), e);
        }
    }

    /** {@code X-AnyConnect-STRAP-Pubkey}: base64 of the DER SubjectPublicKeyInfo, as openconnect sends it. */
    public String publicKeyHeader() {
        return Base64.getEncoder().encodeToString(signing.getPublic().getEncoded());
    }

    /** {@code X-AnyConnect-STRAP-DH-Pubkey}: the key the gateway encrypts the SSO token to. */
    public String dhPublicKeyHeader() {
        return Base64.getEncoder().encodeToString(dh.getPublic().getEncoded());
    }

    PrivateKey dhPrivateKey() {
        return dh.getPrivate();
    }

    ECPublicKey dhPublicKey() {
        return (ECPublicKey) dh.getPublic();
    }

    /**
     * The signing key as {@code openconnect_strapkey} carries it: base64 of the DER SEC1 ECPrivateKey with its curve and
     * public key, which is what openconnect writes ({@code i2d_ECPrivateKey}, {@code gnutls_x509_privkey_export2}) and
     * what it reads back ({@code d2i_ECPrivateKey} needs the curve inside the key; the JDK's PKCS#8 is not read there).
     */
    public String cookieValue() {
        ECPrivateKey key = (ECPrivateKey) signing.getPrivate();
        ECPublicKey pub = (ECPublicKey) signing.getPublic();
        byte[] point = new byte[1 + 2 * FIELD_BYTES];
        point[0] = 0x04; // uncompressed
        System.arraycopy(
                BigIntegers.asUnsignedByteArray(FIELD_BYTES, pub.getW().getAffineX()), 0, point, 1, FIELD_BYTES);
        System.arraycopy(
                BigIntegers.asUnsignedByteArray(FIELD_BYTES, pub.getW().getAffineY()),
                0,
                point,
                1 + FIELD_BYTES,
                FIELD_BYTES);
        try {
            byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
                            FIELD_BYTES * 8, key.getS(), new DERBitString(point), SECObjectIdentifiers.secp256r1)
                    .getEncoded(ASN1Encoding.DER);
            return Base64.getEncoder().encodeToString(sec1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the STRAP key", e); // DER of values built here: never
        }
    }

    @Override
    public String toString() {
        return "StrapKeys[" + publicKeyHeader() + "]"; // never a private key
    }
}
