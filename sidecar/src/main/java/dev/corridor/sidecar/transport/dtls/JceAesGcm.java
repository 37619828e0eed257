package dev.corridor.sidecar.transport.dtls;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JDK's AES-GCM, where libcrypto is missing. Fast only once C2 has compiled the JDK's AES intrinsics, and about
 * 1 KB allocated per record (docs/performance.md).
 */
final class JceAesGcm implements AesGcm {
    private final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    private final SecretKeySpec key;
    private final byte[] nonce;
    private final byte[] additionalData;

    JceAesGcm(byte[] key, byte[] nonce, byte[] additionalData) throws GeneralSecurityException {
        this.key = new SecretKeySpec(key, "AES");
        this.nonce = nonce;
        this.additionalData = additionalData;
    }

    @Override
    public void seal(byte[] buf, int off, int len) throws GeneralSecurityException {
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
        cipher.updateAAD(additionalData);
        cipher.doFinal(buf, off, len, buf, off);
    }

    @Override
    public boolean open(byte[] buf, int off, int len) {
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
            cipher.updateAAD(additionalData);
            cipher.doFinal(buf, off, len, buf, off);
            return true;
        } catch (AEADBadTagException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }
}
