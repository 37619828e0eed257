package dev.corridor.sidecar.transport.dtls;

import java.security.GeneralSecurityException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * DTLS records for the data phase once the handshake is done: AES-GCM (DTLS 1.2, {@link GcmRecordLayer}) or AES-CBC
 * with HMAC-SHA1 (Cisco's DTLS 0.9, {@link CbcRecordLayer}). Either seals and opens in place in the caller's buffer,
 * so that the data path copies nothing and allocates nothing of its own per packet.
 *
 * <p>Record header (RFC 6347 4.1): content type, version (FE FD, or 01 00 for DTLS 0.9), epoch, 48-bit sequence,
 * length. What follows depends on the protection.
 */
abstract sealed class DtlsRecordLayer permits GcmRecordLayer, CbcRecordLayer {
    static final int HEADER_LENGTH = 13;

    static final int CHANGE_CIPHER_SPEC = 20;
    static final int ALERT = 21;
    static final int HANDSHAKE = 22;
    static final int APPLICATION_DATA = 23;
    static final long SEQUENCE_MASK = (1L << 48) - 1;
    private static final int REPLAY_WINDOW = 64;

    /** The most free bytes any layer needs before a plaintext it seals. */
    static final int MAX_PREFIX = Math.max(GcmRecordLayer.PREFIX, CbcRecordLayer.PREFIX);
    /** The most free bytes any layer needs after a plaintext it seals. */
    static final int MAX_SUFFIX = Math.max(GcmRecordLayer.TAG_LENGTH, CbcRecordLayer.MAX_SUFFIX);

    final DtlsKeys keys;
    final int versionMajor;
    final int versionMinor;
    final AtomicLong nextSequence;

    DtlsRecordLayer(DtlsKeys keys) {
        this.keys = keys;
        this.versionMajor = keys.suite.wireVersion() >>> 8;
        this.versionMinor = keys.suite.wireVersion() & 0xff;
        this.nextSequence = new AtomicLong(keys.firstWriteSequence);
    }

    static DtlsRecordLayer of(DtlsKeys keys) {
        return switch (keys.suite.protection()) {
            case GCM -> new GcmRecordLayer(keys);
            case CBC_SHA1 -> new CbcRecordLayer(keys);
        };
    }

    DtlsSuite suite() {
        return keys.suite;
    }

    /** A sealer for one sending thread; all sealers share the sequence, so no sequence number is ever used twice. */
    abstract Sealer sealer() throws GeneralSecurityException;

    /** The opener for the one receiving thread. */
    abstract Opener opener() throws GeneralSecurityException;

    /** How long the record sealing {@code plaintextLength} bytes is. */
    abstract int sealedLength(int plaintextLength);

    /** The longest plaintext one record carries in a datagram of at most {@code datagramLimit} bytes. */
    abstract int maxPlaintext(int datagramLimit);

    /** Frees what the layer's sealers and openers hold outside the heap; they fail if used afterwards. Idempotent. */
    abstract void close();

    interface Sealer {
        /**
         * Seals the plaintext at {@code buf[off..off+len)} into an application-data record, in place: the
         * {@link #MAX_PREFIX} bytes before {@code off} and the {@link #MAX_SUFFIX} after the plaintext are free for the
         * record's header and protection.
         *
         * @return where the record starts; it is {@link #sealedLength(int) sealedLength(len)} bytes long
         */
        int seal(byte[] buf, int off, int len) throws GeneralSecurityException;
    }

    /** What opening a record found. */
    enum Outcome {
        /** Authentic application data: {@link Opener#plaintextLength()} bytes at {@link Opener#plaintextOffset()}. */
        DATA,
        /** An authentic alert from the gateway (its level and description are the plaintext). */
        ALERT,
        /**
         * A handshake record: from an earlier epoch, the gateway repeating its last flight, so ours did not arrive
         * (unauthenticated); or, for an opener made for the handshake, the gateway's sealed Finished, opened (its
         * plaintext where DATA's would be).
         */
        HANDSHAKE,
        /** Anything else (another epoch, a replay, a forgery, garbage): dropped, as DTLS requires. */
        DROPPED
    }

    /** Opens records in place. Header checks and the replay window are common; the protection is the subclass's. */
    abstract class Opener {
        private long highestSequence = -1;
        private long window;
        private boolean openHandshakes;
        int plaintextOffset;
        int plaintextLength;

        /** Makes sealed handshake records (the gateway's Finished) open as HANDSHAKE with their plaintext. */
        Opener openingHandshakes(boolean open) {
            this.openHandshakes = open;
            return this;
        }

        /** Opens the whole record at {@code buf[off..off+length)} in place. */
        Outcome open(byte[] buf, int off, int length) {
            int type = buf[off] & 0xff;
            if ((buf[off + 1] & 0xff) != versionMajor || (buf[off + 2] & 0xff) != versionMinor) {
                return Outcome.DROPPED;
            }
            int epoch = (buf[off + 3] & 0xff) << 8 | (buf[off + 4] & 0xff);
            if (type == HANDSHAKE && epoch < keys.epoch) {
                return Outcome.HANDSHAKE;
            }
            if (epoch != keys.epoch
                    || (type != APPLICATION_DATA && type != ALERT && !(type == HANDSHAKE && openHandshakes))) {
                return Outcome.DROPPED;
            }
            long sequence = sequence(buf, off);
            if (replayed(sequence) || !unprotect(buf, off, length)) {
                return Outcome.DROPPED;
            }
            accept(sequence);
            return switch (type) {
                case ALERT -> Outcome.ALERT;
                case HANDSHAKE -> Outcome.HANDSHAKE;
                default -> Outcome.DATA;
            };
        }

        /**
         * Authenticates and decrypts the record in place, setting {@link #plaintextOffset} and {@link #plaintextLength};
         * false when it is not authentic. The header has been checked.
         */
        abstract boolean unprotect(byte[] buf, int off, int length);

        int plaintextOffset() {
            return plaintextOffset;
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

    /** Writes a record header at {@code buf[start..start+13)}. */
    void writeHeader(byte[] buf, int start, int type, long sequence, int length) {
        buf[start] = (byte) type;
        buf[start + 1] = (byte) versionMajor;
        buf[start + 2] = (byte) versionMinor;
        buf[start + 3] = (byte) (keys.epoch >>> 8);
        buf[start + 4] = (byte) keys.epoch;
        for (int i = 0; i < 6; i++) {
            buf[start + 5 + i] = (byte) (sequence >>> (40 - 8 * i));
        }
        buf[start + 11] = (byte) (length >>> 8);
        buf[start + 12] = (byte) length;
    }

    /** The 48-bit sequence number of the record at {@code off}. */
    static long sequence(byte[] buf, int off) {
        long sequence = 0;
        for (int i = 0; i < 6; i++) {
            sequence = sequence << 8 | (buf[off + 5 + i] & 0xff);
        }
        return sequence;
    }

    /** The length of a whole record at {@code buf[off..off+available)}, or -1 when it does not fit there. */
    static int recordLength(byte[] buf, int off, int available) {
        if (available < HEADER_LENGTH) {
            return -1;
        }
        int length = HEADER_LENGTH + ((buf[off + 11] & 0xff) << 8 | (buf[off + 12] & 0xff));
        return length <= available ? length : -1;
    }

    /** The MAC's or AEAD's pseudo-header: epoch and sequence, type, version, and the plaintext length. */
    static void pseudoHeader(byte[] target, byte[] record, int start, int plaintextLength) {
        System.arraycopy(record, start + 3, target, 0, 8);
        System.arraycopy(record, start, target, 8, 3);
        target[11] = (byte) (plaintextLength >>> 8);
        target[12] = (byte) plaintextLength;
    }
}
