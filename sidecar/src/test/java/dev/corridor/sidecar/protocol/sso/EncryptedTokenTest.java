package dev.corridor.sidecar.protocol.sso;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.protocol.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The token the ASA seals to the login's STRAP-DH key ({@link AsaTokenSealer}, as an ASA seals it) and what the client
 * makes of it: openconnect's {@code hpke.c} decoding, its checks, and the failures each named.
 */
class EncryptedTokenTest {
    private static final String TOKEN = "B1F4C8D2E7A94F0B8C1D2E3F4A5B6C7D";
    /** The encrypted token an ASA sent, from the comment in openconnect's hpke.c handle_external_browser. */
    static final String HPKE_C_EXAMPLE =
            "00010001005b3059301306072a8648ce3d020106082a8648ce3d03010703420004fa426340b6f4a6029add57f5"
                    + "8c743e1182188d78c4b513d0c7c0d7f9796c16e9bc30faf0ea098d17d184e408553128a662e46dc57cbe19d9144137206e4cce2c0002000cac8"
                    + "1ce79566e4c00cc9be3d000030017bb4d2e5761c090588686796405280cc9f2c8c22a2efb5c0004000c2c035f133cb7277e36fe5ab8";

    private final StrapKeys keys = StrapKeys.generate();

    @Test
    void opensATokenSealedAsAnAsaSealsIt() throws ProtocolException {
        byte[] blob = AsaTokenSealer.seal(TOKEN, keys.dhPublicKeyHeader()).blob();

        assertThat(EncryptedToken.parse(blob).decrypt(keys)).isEqualTo(TOKEN);
    }

    /**
     * An ASA's token, as the comment in openconnect's hpke.c shows one (its client's key unknown): it reads, with the
     * fields where hpke.c says they are, and does not open with this login's key.
     */
    @Test
    void anAsasOwnTokenReads() throws ProtocolException {
        EncryptedToken token = EncryptedToken.parse(HexFormat.of().parseHex(HPKE_C_EXAMPLE));

        assertThat(token.toString()).isEqualTo("EncryptedToken[23 bytes]");
        assertThatThrownBy(() -> token.decrypt(keys))
                .hasMessageContaining("does not decrypt with this login's STRAP-DH key");
    }

    @Test
    void theFieldsMayComeInAnyOrder() throws ProtocolException {
        byte[] blob = AsaTokenSealer.seal(TOKEN, keys.dhPublicKeyHeader()).blob(4, 3, 1, 2);

        assertThat(EncryptedToken.parse(blob).decrypt(keys)).isEqualTo(TOKEN);
    }

    @Test
    void aTokenSealedForAnotherLoginDoesNotOpen() throws ProtocolException {
        byte[] blob = AsaTokenSealer.seal(TOKEN, StrapKeys.generate().dhPublicKeyHeader())
                .blob();

        assertThatThrownBy(() -> EncryptedToken.parse(blob).decrypt(keys))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("does not decrypt with this login's STRAP-DH key");
    }

    @Test
    void aTokenSealedToTheSigningKeyDoesNotOpen() throws ProtocolException {
        byte[] blob = AsaTokenSealer.seal(TOKEN, keys.publicKeyHeader()).blob();

        assertThatThrownBy(() -> EncryptedToken.parse(blob).decrypt(keys)).hasMessageContaining("does not decrypt");
    }

    @Test
    void aTamperedTagCiphertextOrIvIsRefused() {
        AsaTokenSealer.Sealed sealed = AsaTokenSealer.seal(TOKEN, keys.dhPublicKeyHeader());
        for (AsaTokenSealer.Sealed tampered : new AsaTokenSealer.Sealed[] {
            new AsaTokenSealer.Sealed(sealed.gatewayKey(), flip(sealed.tag()), sealed.ciphertext(), sealed.iv()),
            new AsaTokenSealer.Sealed(sealed.gatewayKey(), sealed.tag(), flip(sealed.ciphertext()), sealed.iv()),
            new AsaTokenSealer.Sealed(sealed.gatewayKey(), sealed.tag(), sealed.ciphertext(), flip(sealed.iv()))
        }) {
            assertThatThrownBy(() -> EncryptedToken.parse(tampered.blob()).decrypt(keys))
                    .hasMessageContaining("the GCM tag does not match");
        }
    }

    @Test
    void everyTruncationIsRefusedWhenRead() {
        byte[] blob = AsaTokenSealer.seal(TOKEN, keys.dhPublicKeyHeader()).blob();
        for (int length = 0; length < blob.length; length++) {
            byte[] cut = Arrays.copyOf(blob, length);
            assertThatThrownBy(() -> EncryptedToken.parse(cut))
                    .as("cut to %d bytes", length)
                    .isInstanceOf(ProtocolException.class);
        }
        assertThatThrownBy(() -> EncryptedToken.parse(Arrays.copyOf(blob, 50)))
                .hasMessageContaining("cut short: field 1 (the gateway's key)");
        assertThatThrownBy(() -> EncryptedToken.parse(Arrays.copyOf(blob, blob.length - 16)))
                .hasMessageContaining("has no field 4 (the IV)");
        assertThatThrownBy(() -> EncryptedToken.parse(Arrays.copyOf(blob, blob.length - 14)))
                .hasMessageContaining("ends with 2 stray bytes");
    }

    @Test
    void strayBytesAfterTheLastFieldAreRefused() {
        byte[] blob = AsaTokenSealer.seal(TOKEN, keys.dhPublicKeyHeader()).blob();

        assertThatThrownBy(() -> EncryptedToken.parse(Arrays.copyOf(blob, blob.length + 3)))
                .hasMessageContaining("3 stray bytes");
    }

    @Test
    void theFieldsAreCheckedAsHpkeChecksThem() {
        AsaTokenSealer.Sealed sealed = AsaTokenSealer.seal(TOKEN, keys.dhPublicKeyHeader());
        byte[] blob = sealed.blob();
        byte[] wrongStart = blob.clone();
        wrongStart[1] = 2;
        assertThatThrownBy(() -> EncryptedToken.parse(wrongStart)).hasMessageContaining("does not start with 00 01");
        assertThatThrownBy(() -> EncryptedToken.parse(join(blob, AsaTokenSealer.tlv(5, new byte[1]))))
                .hasMessageContaining("unknown field, tag 5");
        assertThatThrownBy(() -> EncryptedToken.parse(join(blob, AsaTokenSealer.tlv(0, new byte[0]))))
                .hasMessageContaining("unknown field, tag 0");
        assertThatThrownBy(() -> EncryptedToken.parse(join(blob, AsaTokenSealer.tlv(3, new byte[4]))))
                .hasMessageContaining("field 3 (the ciphertext) twice");
        assertThatThrownBy(() -> EncryptedToken.parse(sealed.blob(1, 2, 4)))
                .hasMessageContaining("has no field 3 (the ciphertext)");
        byte[] longTag = join(
                new byte[] {0, 1},
                AsaTokenSealer.tlv(1, sealed.gatewayKey()),
                AsaTokenSealer.tlv(2, new byte[16]),
                AsaTokenSealer.tlv(3, sealed.ciphertext()),
                AsaTokenSealer.tlv(4, sealed.iv()));
        assertThatThrownBy(() -> EncryptedToken.parse(longTag))
                .hasMessageContaining("GCM tag and IV are 16 and 12 bytes; 12 each expected");
        byte[] shortIv = join(
                new byte[] {0, 1},
                AsaTokenSealer.tlv(1, sealed.gatewayKey()),
                AsaTokenSealer.tlv(2, sealed.tag()),
                AsaTokenSealer.tlv(3, sealed.ciphertext()),
                AsaTokenSealer.tlv(4, new byte[8]));
        assertThatThrownBy(() -> EncryptedToken.parse(shortIv)).hasMessageContaining("12 and 8 bytes");
    }

    @Test
    void theGatewaysKeyMustBeAP256Key() throws Exception {
        AsaTokenSealer.Sealed sealed = AsaTokenSealer.seal(TOKEN, keys.dhPublicKeyHeader());
        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(new ECGenParameterSpec("secp384r1"));
        byte[] otherCurve = new AsaTokenSealer.Sealed(
                        p384.generateKeyPair().getPublic().getEncoded(), sealed.tag(), sealed.ciphertext(), sealed.iv())
                .blob();
        byte[] notAKey = new AsaTokenSealer.Sealed(
                        new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}, sealed.tag(), sealed.ciphertext(), sealed.iv())
                .blob();

        assertThatThrownBy(() -> EncryptedToken.parse(otherCurve).decrypt(keys))
                .hasMessageContaining("field 1 (the gateway's key) is not a P-256 key");
        assertThatThrownBy(() -> EncryptedToken.parse(notAKey).decrypt(keys))
                .hasMessageContaining("is not a DER EC public key");
    }

    /** The token goes into the XML of the next request: hpke.c takes letters and digits only, and so does Corridor. */
    @Test
    void onlyANonEmptyAlphanumericTokenIsTaken() {
        for (String token : new String[] {"x1-y2", "x1 y2", "x1y2\n", "</sso-token><x>", "x1\u00e9"}) {
            byte[] blob = AsaTokenSealer.seal(token, keys.dhPublicKeyHeader()).blob();
            assertThatThrownBy(() -> EncryptedToken.parse(blob).decrypt(keys))
                    .as(token)
                    .hasMessageContaining("not alphanumeric")
                    .hasMessageNotContaining(token.strip());
        }
        byte[] empty = AsaTokenSealer.seal("", keys.dhPublicKeyHeader()).blob();
        assertThatThrownBy(() -> EncryptedToken.parse(empty).decrypt(keys)).hasMessageContaining("decrypts to nothing");
    }

    private static byte[] flip(byte[] bytes) {
        byte[] flipped = bytes.clone();
        flipped[flipped.length / 2] ^= 0x01;
        return flipped;
    }

    private static byte[] join(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
