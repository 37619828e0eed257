package dev.corridor.sidecar.transport.dtls;

import java.security.GeneralSecurityException;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * DTLS 1.2 records with AES-GCM (RFC 6347, RFC 5288), for the data phase once the handshake is done.
 * Bouncy Castle runs the handshake; this carries the packets, sealing and opening in place in the caller's
 * buffer, so that the data path copies nothing and allocates nothing of its own per packet.
 *
 * <p>Record: content type, version FE FD, epoch, 48-bit sequence, length | explicit nonce (the epoch and
 * sequence, as GnuTLS and Bouncy Castle use) | ciphertext | 16-byte tag. The AEAD nonce is the 4-byte salt
 * from the key block followed by the explicit nonce; the additional data is the sequence, type, version and
 * plaintext length.
 */
final class DtlsRecordLayer {
    static final int HEADER_LENGTH = 13;
    static final int EXPLICIT_NONCE_LENGTH = 8;
    static final int TAG_LENGTH = 16;
    /** Bytes between a record's start and its plaintext. */
    static final int PREFIX = HEADER_LENGTH + EXPLICIT_NONCE_LENGTH;
    /** Everything a record adds to its plaintext. */
    static final int OVERHEAD = PREFIX + TAG_LENGTH;

    static final int CHANGE_CIPHER_SPEC = 20;
    static final int ALERT = 21;
    static final int HANDSHAKE = 22;
    static final int APPLICATION_DATA = 23;
    private static final int VERSION_MAJOR = 0xFE;
    private static final int VERSION_MINOR = 0xFD;
    private static final long SEQUENCE_MASK = (1L << 48) - 1;
    private static final int REPLAY_WINDOW = 64;

    private final DtlsKeys keys;
    private final SecretKeySpec writeKey;
    private final SecretKeySpec readKey;
    private final AtomicLong nextSequence;

    DtlsRecordLayer(DtlsKeys keys) {
        this.keys = keys;
        this.writeKey = new SecretKeySpec(keys.writeKey, "AES");
        this.readKey = new SecretKeySpec(keys.readKey, "AES");
        this.nextSequence = new AtomicLong(keys.firstWriteSequence);
    }

    DtlsSuite suite() {
        return keys.suite;
    }

    /** A sealer for one sending thread; all sealers share the sequence, so no nonce is ever used twice. */
    Sealer sealer() throws GeneralSecurityException {
        return new Sealer();
    }

    /** The opener for the one receiving thread. */
    Opener opener() throws GeneralSecurityException {
        return new Opener();
    }

    final class Sealer {
        private final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        private final byte[] nonce = new byte[DtlsKeys.SALT_LENGTH + EXPLICIT_NONCE_LENGTH];
        private final byte[] additionalData = new byte[HEADER_LENGTH];

        private Sealer() throws GeneralSecurityException {
            System.arraycopy(keys.writeSalt, 0, nonce, 0, DtlsKeys.SALT_LENGTH);
        }

        /**
         * Seals the plaintext at {@code buf[off..off+len)} into an application-data record, in place: the
         * {@link #PREFIX} bytes before {@code off} receive the header and explicit nonce, the {@link #TAG_LENGTH}
         * bytes after the plaintext the tag.
         *
         * @return where the record starts ({@code off - PREFIX}); it is {@code len + OVERHEAD} bytes long
         */
        int seal(byte[] buf, int off, int len) throws GeneralSecurityException {
            long sequence = nextSequence.getAndIncrement() & SEQUENCE_MASK;
            int start = off - PREFIX;
            writeHeader(buf, start, sequence, EXPLICIT_NONCE_LENGTH + len + TAG_LENGTH);
            System.arraycopy(buf, start + 3, buf, start + HEADER_LENGTH, EXPLICIT_NONCE_LENGTH);
            System.arraycopy(buf, start + 3, nonce, DtlsKeys.SALT_LENGTH, EXPLICIT_NONCE_LENGTH);
            additionalData(additionalData, buf, start, len);
            cipher.init(Cipher.ENCRYPT_MODE, writeKey, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
            cipher.updateAAD(additionalData);
            cipher.doFinal(buf, off, len, buf, off);
            return start;
        }

        private void writeHeader(byte[] buf, int start, long sequence, int length) {
            buf[start] = APPLICATION_DATA;
            buf[start + 1] = (byte) VERSION_MAJOR;
            buf[start + 2] = (byte) VERSION_MINOR;
            buf[start + 3] = (byte) (keys.epoch >>> 8);
            buf[start + 4] = (byte) keys.epoch;
            for (int i = 0; i < 6; i++) {
                buf[start + 5 + i] = (byte) (sequence >>> (40 - 8 * i));
            }
            buf[start + 11] = (byte) (length >>> 8);
            buf[start + 12] = (byte) length;
        }
    }

    /** What opening a record found. */
    enum Outcome {
        /** Authentic application data: {@link Opener#plaintextLength()} bytes at the record's start + {@link #PREFIX}. */
        DATA,
        /** An authentic alert from the gateway (its level and description are the plaintext). */
        ALERT,
        /** A handshake record: the gateway repeats its last flight, so ours did not arrive. */
        HANDSHAKE,
        /** Anything else (another epoch, a replay, a forgery, garbage): dropped, as DTLS requires. */
        DROPPED
    }

    final class Opener {
        private final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        private final byte[] nonce = new byte[DtlsKeys.SALT_LENGTH + EXPLICIT_NONCE_LENGTH];
        private final byte[] additionalData = new byte[HEADER_LENGTH];
        private long highestSequence = -1;
        private long window;
        private int plaintextLength;

        private Opener() throws GeneralSecurityException {
            System.arraycopy(keys.readSalt, 0, nonce, 0, DtlsKeys.SALT_LENGTH);
        }

        /** Opens the whole record at {@code buf[off..off+length)} in place. */
        Outcome open(byte[] buf, int off, int length) {
            int type = buf[off] & 0xff;
            if ((buf[off + 1] & 0xff) != VERSION_MAJOR) {
                return Outcome.DROPPED;
            }
            int epoch = (buf[off + 3] & 0xff) << 8 | buf[off + 4] & 0xff;
            if (type == HANDSHAKE && epoch < keys.epoch) {
                return Outcome.HANDSHAKE;
            }
            if (epoch != keys.epoch || (type != APPLICATION_DATA && type != ALERT) || length < OVERHEAD) {
                return Outcome.DROPPED;
            }
            long sequence = 0;
            for (int i = 0; i < 6; i++) {
                sequence = sequence << 8 | buf[off + 5 + i] & 0xff;
            }
            if (replayed(sequence)) {
                return Outcome.DROPPED;
            }
            int ciphertextLength = length - PREFIX;
            System.arraycopy(buf, off + HEADER_LENGTH, nonce, DtlsKeys.SALT_LENGTH, EXPLICIT_NONCE_LENGTH);
            additionalData(additionalData, buf, off, ciphertextLength - TAG_LENGTH);
            try {
                cipher.init(Cipher.DECRYPT_MODE, readKey, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
                cipher.updateAAD(additionalData);
                plaintextLength = cipher.doFinal(buf, off + PREFIX, ciphertextLength, buf, off + PREFIX);
            } catch (AEADBadTagException e) {
                return Outcome.DROPPED;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM is unavailable", e);
            }
            accept(sequence);
            return type == ALERT ? Outcome.ALERT : Outcome.DATA;
        }

        int plaintextLength() {
            return plaintextLength;
        }

        /** RFC 6347 4.1.2.6: a sliding window over the last 64 sequence numbers. */
        private boolean replayed(long sequence) {
            if (sequence > highestSequence) {
                return false;
            }
            long age = highestSequence - sequence;
            return age >= REPLAY_WINDOW || (window >>> age & 1) == 1;
        }

        private void accept(long sequence) {
            if (sequence > highestSequence) {
                long shift = sequence - highestSequence;
                window = shift >= REPLAY_WINDOW ? 1 : window << shift | 1;
                highestSequence = sequence;
            } else {
                window |= 1L << (highestSequence - sequence);
            }
        }
    }

    /** The length of a whole record at {@code buf[off..off+available)}, or -1 when it does not fit there. */
    static int recordLength(byte[] buf, int off, int available) {
        if (available < HEADER_LENGTH) {
            return -1;
        }
        int length = HEADER_LENGTH + ((buf[off + 11] & 0xff) << 8 | buf[off + 12] & 0xff);
        return length <= available ? length : -1;
    }

    /** Sequence (epoch and sequence number), type, version, and the plaintext length. */
    private static void additionalData(byte[] target, byte[] record, int start, int plaintextLength) {
        System.arraycopy(record, start + 3, target, 0, 8);
        System.arraycopy(record, start, target, 8, 3);
        target[11] = (byte) (plaintextLength >>> 8);
        target[12] = (byte) plaintextLength;
    }
}
