package dev.corridor.sidecar.protocol.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.junit.jupiter.api.Test;

/** The STRAP keys as openconnect announces them ({@code cstp.c}) and hands the signing key on ({@code gnutls.c append_strap_privkey}). */
class StrapKeysTest {
    private final StrapKeys keys = StrapKeys.generate();

    @Test
    void theHeadersAreTwoDistinctP256KeysAsDerSubjectPublicKeyInfo() throws Exception {
        ECPublicKey signing = publicKey(keys.publicKeyHeader());
        ECPublicKey dh = publicKey(keys.dhPublicKeyHeader());

        assertThat(signing.getParams().getOrder()).isEqualTo(p256().getOrder());
        assertThat(dh.getParams().getOrder()).isEqualTo(p256().getOrder());
        assertThat(signing.getW()).isNotEqualTo(dh.getW());
        assertThat(StrapKeys.generate().publicKeyHeader())
                .as("fresh for each login")
                .isNotEqualTo(keys.publicKeyHeader());
    }

    /**
     * openconnect_strapkey is the SEC1 ECPrivateKey openconnect writes (i2d_ECPrivateKey): version 1, the 32-byte
     * scalar, the curve and the public key; and the key is the one the STRAP-Pubkey header announced, the one the
     * gateway bound the session to.
     */
    @Test
    void theCookieCarriesTheSigningKeyAsSec1() throws Exception {
        ECPrivateKey sec1 = ECPrivateKey.getInstance(Base64.getDecoder().decode(keys.cookieValue()));

        assertThat(sec1.getPrivateKey().getOctets()).hasSize(32);
        assertThat(sec1.getParametersObject()).isEqualTo(SECObjectIdentifiers.secp256r1);
        ECPublicKey announced = publicKey(keys.publicKeyHeader());
        byte[] point = sec1.getPublicKey().getOctets();
        assertThat(point[0]).isEqualTo((byte) 4);
        assertThat(new BigInteger(1, Arrays.copyOfRange(point, 1, 33)))
                .isEqualTo(announced.getW().getAffineX());
        assertThat(new BigInteger(1, Arrays.copyOfRange(point, 33, 65)))
                .isEqualTo(announced.getW().getAffineY());
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(sec1.getKey(), p256()));
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update("channel binding and public key".getBytes(StandardCharsets.US_ASCII));
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(announced);
        verifier.update("channel binding and public key".getBytes(StandardCharsets.US_ASCII));
        assertThat(verifier.verify(signature))
                .as("the cookie's key signs for the announced STRAP-Pubkey")
                .isTrue();
    }

    @Test
    void noPrivateKeyInItsText() {
        assertThat(keys.toString()).doesNotContain(keys.cookieValue()).contains(keys.publicKeyHeader());
    }

    private static ECPublicKey publicKey(String header) throws Exception {
        PublicKey key = KeyFactory.getInstance("EC")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(header)));
        return (ECPublicKey) key;
    }

    private static ECParameterSpec p256() throws Exception {
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec("secp256r1"));
        return parameters.getParameterSpec(ECParameterSpec.class);
    }
}
