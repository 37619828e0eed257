package dev.corridor.sidecar.transport.dtls;

import java.lang.foreign.Arena;
import java.security.GeneralSecurityException;

/**
 * DTLS 1.2 records with AES-GCM (RFC 6347, RFC 5288).
 *
 * <p>Record: header | explicit nonce (the epoch and sequence, as GnuTLS and Bouncy Castle use) | ciphertext |
 * 16-byte tag. The AEAD nonce is the 4-byte salt from the key block followed by the explicit nonce; the additional
 * data is the sequence, type, version and plaintext length. The cipher is {@link AesGcm}: libcrypto's where the
 * system has it.
 */
final class GcmRecordLayer extends DtlsRecordLayer {
    static final int EXPLICIT_NONCE_LENGTH = 8;
    static final int TAG_LENGTH = AesGcm.TAG_LENGTH;
    /** Bytes between a record's start and its plaintext. */
    static final int PREFIX = HEADER_LENGTH + EXPLICIT_NONCE_LENGTH;
    /** Everything a record adds to its plaintext. */
    static final int OVERHEAD = PREFIX + TAG_LENGTH;

    /** Holds libcrypto's contexts for this layer's sealers and openers until {@link #close}. */
    private final Arena arena = Arena.ofShared();

    GcmRecordLayer(DtlsKeys keys) {
        super(keys);
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

    /** Frees the native state of every sealer and opener made here; they fail if used afterwards. Idempotent. */
    @Override
    void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    private final class GcmSealer implements Sealer {
        private final byte[] nonce = new byte[AesGcm.NONCE_LENGTH];
        private final byte[] additionalData = new byte[HEADER_LENGTH];
        private final AesGcm aes = AesGcm.of(keys.writeKey, nonce, additionalData, arena);

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
            aes.seal(buf, off, len);
            return start;
        }
    }

    private final class GcmOpener extends Opener {
        private final byte[] nonce = new byte[AesGcm.NONCE_LENGTH];
        private final byte[] additionalData = new byte[HEADER_LENGTH];
        private final AesGcm aes = AesGcm.of(keys.readKey, nonce, additionalData, arena);

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
            if (!aes.open(buf, off + PREFIX, ciphertextLength)) {
                return false;
            }
            plaintextLength = ciphertextLength - TAG_LENGTH;
            plaintextOffset = off + PREFIX;
            return true;
        }
    }
}
