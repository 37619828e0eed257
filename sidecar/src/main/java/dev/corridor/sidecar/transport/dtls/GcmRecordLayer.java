package dev.corridor.sidecar.transport.dtls;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * DTLS 1.2 records with AES-GCM (RFC 6347, RFC 5288).
 *
 * <p>Record: header | explicit nonce (the epoch and sequence, as GnuTLS and Bouncy Castle use) | ciphertext |
 * 16-byte tag. The AEAD nonce is the 4-byte salt from the key block followed by the explicit nonce; the additional
 * data is the sequence, type, version and plaintext length.
 */
final class GcmRecordLayer extends DtlsRecordLayer {
    static final int EXPLICIT_NONCE_LENGTH = 8;
    static final int TAG_LENGTH = 16;
    /** Bytes between a record's start and its plaintext. */
    static final int PREFIX = HEADER_LENGTH + EXPLICIT_NONCE_LENGTH;
    /** Everything a record adds to its plaintext. */
    static final int OVERHEAD = PREFIX + TAG_LENGTH;

    private final SecretKeySpec writeKey;
    private final SecretKeySpec readKey;

    GcmRecordLayer(DtlsKeys keys) {
        super(keys);
        this.writeKey = new SecretKeySpec(keys.writeKey, "AES");
        this.readKey = new SecretKeySpec(keys.readKey, "AES");
    }

    @Override
    Sealer sealer() throws GeneralSecurityException {
        return new GcmSealer();
    }

    @Override
    Opener opener() throws GeneralSecurityException {
        return new GcmOpener();
    }

    @Override
    int sealedLength(int plaintextLength) {
        return plaintextLength + OVERHEAD;
    }

    @Override
    int maxPlaintext(int datagramLimit) {
        return datagramLimit - OVERHEAD;
    }

    private final class GcmSealer implements Sealer {
        private final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        private final byte[] nonce = new byte[DtlsKeys.SALT_LENGTH + EXPLICIT_NONCE_LENGTH];
        private final byte[] additionalData = new byte[HEADER_LENGTH];

        private GcmSealer() throws GeneralSecurityException {
            System.arraycopy(keys.writeSalt, 0, nonce, 0, DtlsKeys.SALT_LENGTH);
        }

        @Override
        public int seal(byte[] buf, int off, int len) throws GeneralSecurityException {
            long sequence = nextSequence.getAndIncrement() & SEQUENCE_MASK;
            int start = off - PREFIX;
            writeHeader(buf, start, APPLICATION_DATA, sequence, EXPLICIT_NONCE_LENGTH + len + TAG_LENGTH);
            System.arraycopy(buf, start + 3, buf, start + HEADER_LENGTH, EXPLICIT_NONCE_LENGTH);
            System.arraycopy(buf, start + 3, nonce, DtlsKeys.SALT_LENGTH, EXPLICIT_NONCE_LENGTH);
            pseudoHeader(additionalData, buf, start, len);
            cipher.init(Cipher.ENCRYPT_MODE, writeKey, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
            cipher.updateAAD(additionalData);
            cipher.doFinal(buf, off, len, buf, off);
            return start;
        }
    }

    private final class GcmOpener extends Opener {
        private final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        private final byte[] nonce = new byte[DtlsKeys.SALT_LENGTH + EXPLICIT_NONCE_LENGTH];
        private final byte[] additionalData = new byte[HEADER_LENGTH];

        private GcmOpener() throws GeneralSecurityException {
            System.arraycopy(keys.readSalt, 0, nonce, 0, DtlsKeys.SALT_LENGTH);
        }

        @Override
        boolean unprotect(byte[] buf, int off, int length) {
            if (length < OVERHEAD) {
                return false;
            }
            int ciphertextLength = length - PREFIX;
            System.arraycopy(buf, off + HEADER_LENGTH, nonce, DtlsKeys.SALT_LENGTH, EXPLICIT_NONCE_LENGTH);
            pseudoHeader(additionalData, buf, off, ciphertextLength - TAG_LENGTH);
            try {
                cipher.init(Cipher.DECRYPT_MODE, readKey, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
                cipher.updateAAD(additionalData);
                plaintextLength = cipher.doFinal(buf, off + PREFIX, ciphertextLength, buf, off + PREFIX);
                plaintextOffset = off + PREFIX;
                return true;
            } catch (AEADBadTagException e) {
                return false;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM is unavailable", e);
            }
        }
    }
}
