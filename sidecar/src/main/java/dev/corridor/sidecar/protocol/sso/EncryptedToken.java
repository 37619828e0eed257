package dev.corridor.sidecar.protocol.sso;

import dev.corridor.sidecar.protocol.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KDF;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The SSO token as the gateway sends it through the browser to the local listener, encrypted to the login's STRAP-DH
 * key (openconnect {@code hpke.c handle_external_browser}): {@code 00 01}, then TLVs, each a big-endian 16-bit tag and
 * length and the value: tag 1 the gateway's ephemeral P-256 key (DER SubjectPublicKeyInfo), 2 the AES-GCM tag (12
 * bytes), 3 the ciphertext, 4 the IV (12 bytes); each tag once, in any order, nothing after the last.
 */
public final class EncryptedToken {
    static final int TAG_PUBKEY = 1;
    static final int TAG_AEAD_TAG = 2;
    static final int TAG_CIPHERTEXT = 3;
    static final int TAG_IV = 4;
    /** The AES-GCM tag and IV lengths the gateway uses (hpke.c: both 12 bytes, the tag checked as 96 bits). */
    static final int TAG_LENGTH = 12;

    static final int IV_LENGTH = 12;
    /** The HKDF info both ends derive the AES key with (hpke.c). */
    private static final byte[] KDF_INFO = "AC_ECIES".getBytes(StandardCharsets.US_ASCII);

    private static final String[] TAG_NAMES = {
        "", "1 (the gateway's key)", "2 (the GCM tag)", "3 (the ciphertext)", "4 (the IV)"
    };

    private final byte[] gatewayKey;
    private final byte[] tag;
    private final byte[] ciphertext;
    private final byte[] iv;

    private EncryptedToken(byte[] gatewayKey, byte[] tag, byte[] ciphertext, byte[] iv) {
        this.gatewayKey = gatewayKey;
        this.tag = tag;
        this.ciphertext = ciphertext;
        this.iv = iv;
    }

    /**
     * Reads the blob's TLVs.
     *
     * @throws ProtocolException naming the offset and the tag that is wrong, absent, repeated or cut short
     */
    public static EncryptedToken parse(byte[] blob) throws ProtocolException {
        ByteBuffer in = ByteBuffer.wrap(blob);
        if (in.remaining() < 2 || in.getShort() != 0x0001) {
            throw new ProtocolException(
                    "the SSO token does not start with 00 01 (it is not an AnyConnect external-browser token)");
        }
        byte[][] values = new byte[TAG_IV + 1][];
        while (in.hasRemaining()) {
            int at = in.position();
            if (in.remaining() < 4) {
                throw new ProtocolException(
                        "the SSO token ends with " + in.remaining() + " stray bytes at offset " + at);
            }
            int tag = Short.toUnsignedInt(in.getShort());
            int length = Short.toUnsignedInt(in.getShort());
            if (tag < TAG_PUBKEY || tag > TAG_IV) {
                throw new ProtocolException("the SSO token has an unknown field, tag " + tag + ", at offset " + at);
            }
            if (values[tag] != null) {
                throw new ProtocolException(
                        "the SSO token has field " + TAG_NAMES[tag] + " twice (again at offset " + at + ")");
            }
            if (length > in.remaining()) {
                throw new ProtocolException("the SSO token is cut short: field " + TAG_NAMES[tag] + " at offset " + at
                        + " claims " + length + " bytes, " + in.remaining() + " remain");
            }
            values[tag] = new byte[length];
            in.get(values[tag]);
        }
        for (int tag = TAG_PUBKEY; tag <= TAG_IV; tag++) {
            if (values[tag] == null) {
                throw new ProtocolException("the SSO token has no field " + TAG_NAMES[tag]);
            }
        }
        if (values[TAG_AEAD_TAG].length != TAG_LENGTH || values[TAG_IV].length != IV_LENGTH) {
            throw new ProtocolException("the SSO token's GCM tag and IV are " + values[TAG_AEAD_TAG].length + " and "
                    + values[TAG_IV].length + " bytes; " + TAG_LENGTH + " each expected");
        }
        return new EncryptedToken(values[TAG_PUBKEY], values[TAG_AEAD_TAG], values[TAG_CIPHERTEXT], values[TAG_IV]);
    }

    /**
     * Decrypts the token with the login's STRAP-DH key: ECDH with the gateway's ephemeral key (the shared X
     * coordinate), HKDF-SHA256 with no salt and info {@code AC_ECIES} to 32 bytes, AES-256-GCM (openconnect
     * {@code gnutls.c ecdh_compute_secp256r1}, {@code hkdf_sha256_extract_expand}, {@code aes_256_gcm_decrypt}).
     *
     * @return the token, which goes into the form's SSO input; it is a credential and is never logged
     * @throws ProtocolException when the gateway's key is not a P-256 key, the token does not decrypt (encrypted to
     *                           another key, or altered), or it is not the non-empty alphanumeric text hpke.c requires
     */
    public String decrypt(StrapKeys keys) throws ProtocolException {
        ECPublicKey theirs = gatewayPublicKey(keys.dhPublicKey().getParams());
        byte[] shared = null;
        byte[] aesKey = null;
        byte[] plain = null;
        try {
            KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
            agreement.init(keys.dhPrivateKey());
            agreement.doPhase(theirs, true);
            shared = agreement.generateSecret();
            // No salt is HKDF's salt of 32 zero bytes, which is what openconnect's NULL salt gives.
            aesKey = KDF.getInstance("HKDF-SHA256")
                    .deriveData(HKDFParameterSpec.ofExtract().addIKM(shared).thenExpand(KDF_INFO, 32));
            Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
            aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, iv));
            aes.update(ciphertext);
            plain = aes.doFinal(tag);
        } catch (AEADBadTagException e) {
            throw new ProtocolException(
                    "the SSO token does not decrypt with this login's STRAP-DH key (the GCM tag does not match): "
                            + "it was encrypted for another login's key, or altered on the way");
        } catch (GeneralSecurityException e) {
            throw new ProtocolException("the SSO token cannot be decrypted: " + e.getMessage(), e);
        } finally {
            wipe(shared);
            wipe(aesKey);
        }
        try {
            if (plain.length == 0) {
                throw new ProtocolException("the SSO token decrypts to nothing");
            }
            for (byte b : plain) {
                if (!((b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z'))) {
                    // The token goes into the XML of the next request: hpke.c takes nothing but letters and digits.
                    throw new ProtocolException("the SSO token decrypts to something that is not alphanumeric ("
                            + plain.length + " bytes); refused");
                }
            }
            return new String(plain, StandardCharsets.US_ASCII);
        } finally {
            wipe(plain);
        }
    }

    /** Tag 1 as a public key on the curve of the login's own keys. */
    private ECPublicKey gatewayPublicKey(ECParameterSpec curve) throws ProtocolException {
        PublicKey key;
        try {
            key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(gatewayKey));
        } catch (InvalidKeySpecException e) {
            throw new ProtocolException(
                    "the SSO token's field " + TAG_NAMES[TAG_PUBKEY] + " is not a DER EC public key");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no EC key factory", e);
        }
        if (!(key instanceof ECPublicKey ec)
                || !ec.getParams().getCurve().equals(curve.getCurve())
                || !ec.getParams().getGenerator().equals(curve.getGenerator())
                || !ec.getParams().getOrder().equals(curve.getOrder())) {
            throw new ProtocolException("the SSO token's field " + TAG_NAMES[TAG_PUBKEY] + " is not a P-256 key");
        }
        return ec;
    }

    private static void wipe(byte[] secret) {
        if (secret != null) {
            Arrays.fill(secret, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "EncryptedToken[" + ciphertext.length + " bytes]";
    }
}
