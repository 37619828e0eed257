package dev.corridor.sidecar.transport.dtls;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Cisco's DTLS 0.9 records (OpenSSL's {@code DTLS1_BAD_VER}, GnuTLS's {@code GNUTLS_DTLS0_9}) with AES-CBC and
 * HMAC-SHA1, as RFC 4346 (TLS 1.1) protects a record: header (version 01 00) | explicit IV | AES-CBC(plaintext | MAC |
 * padding). The MAC covers the epoch and sequence, type, version 01 00, plaintext length and the plaintext; the
 * padding is TLS's (n+1 bytes of value n).
 *
 * <p>Without allocation per record. A record is sealed in place: the JDK's CBC cipher copies its input when the output
 * overlaps it closer than two blocks, so it is encrypted 32 bytes in front of its plaintext. It is opened through an
 * array of the opener's own: C2 runs CBC decryption as its intrinsic, many blocks at once, only from one array into
 * another (in place it takes the block-by-block Java loop), and the plaintext is then copied back where its
 * ciphertext was. One cipher per direction runs for the whole connection, never re-initialised: each record is
 * encrypted as (R | plaintext | MAC | padding) chaining on from the last block, so the first cipher block,
 * E(R xor last block), is the record's explicit IV (RFC 4346 6.2.3.2, option 2(b)); R is unique and secret (the
 * sequence and a random value). Decrypting (IV | ciphertext) the same way yields one block of garbage, then the
 * plaintext.
 *
 * <p>A record that fails is dropped without saying why, in constant time as far as its contents go: the padding is
 * checked over a fixed span, a bad padding is MACed as if it were empty (RFC 5246 6.2.3.2), the MAC is compared
 * byte by byte over every position it could take, and the SHA-1 compressions the padding saved are run anyway
 * (Lucky Thirteen, AlFardan and Paterson 2013), so the time depends only on the record's length.
 */
final class CbcRecordLayer extends DtlsRecordLayer {
    static final int BLOCK = 16;
    /** The distance the output keeps from its input, so that the JDK's cipher never copies. */
    static final int SHIFT = 2 * BLOCK;
    /** Free bytes a sealer needs before a plaintext: header, IV block, and the shift. */
    static final int PREFIX = HEADER_LENGTH + BLOCK + SHIFT;
    /** Free bytes a sealer needs after a plaintext: the MAC and at most a block of padding. */
    static final int MAX_SUFFIX = HmacSha1.LENGTH + BLOCK;
    /** The shortest record: header, IV, and two blocks (20 bytes of MAC and at least one of padding). */
    static final int MIN_RECORD = HEADER_LENGTH + BLOCK + 2 * BLOCK;
    /** The longest record body TLS 1.1 allows (RFC 4346 6.2.3: 2^14 + 2048); a longer one is dropped. */
    static final int MAX_BODY = (1 << 14) + 2048;
    /** TLS padding is at most 255 + 1 bytes: the span checked, whatever the padding says. */
    private static final int MAX_PADDING = 256;

    private final SecretKeySpec writeKey;
    private final SecretKeySpec readKey;
    private final SecureRandom random = new SecureRandom();

    CbcRecordLayer(DtlsKeys keys) {
        super(keys);
        this.writeKey = new SecretKeySpec(keys.writeKey, "AES");
        this.readKey = new SecretKeySpec(keys.readKey, "AES");
    }

    @Override
    Sealer sealer() throws GeneralSecurityException {
        return new CbcSealer();
    }

    @Override
    CbcOpener opener() throws GeneralSecurityException {
        return new CbcOpener();
    }

    /** Nothing to free: the JDK's ciphers live on the heap. */
    @Override
    void close() {}

    @Override
    int sealedLength(int plaintextLength) {
        return HEADER_LENGTH + BLOCK + paddedLength(plaintextLength);
    }

    /** The plaintext, MAC and padding, in whole blocks. */
    private static int paddedLength(int plaintextLength) {
        return (plaintextLength + HmacSha1.LENGTH + BLOCK) & -BLOCK;
    }

    @Override
    int maxPlaintext(int datagramLimit) {
        return ((datagramLimit - HEADER_LENGTH - BLOCK) & -BLOCK) - HmacSha1.LENGTH - 1;
    }

    private IvParameterSpec randomIv() {
        byte[] iv = new byte[BLOCK];
        random.nextBytes(iv);
        return new IvParameterSpec(iv);
    }

    final class CbcSealer implements Sealer {
        private final Cipher cipher = Cipher.getInstance("AES/CBC/NoPadding");
        private final HmacSha1 mac = new HmacSha1(keys.writeMacKey);
        private final byte[] pseudoHeader = new byte[HEADER_LENGTH];
        private final long secret;

        private CbcSealer() throws GeneralSecurityException {
            cipher.init(Cipher.ENCRYPT_MODE, writeKey, randomIv());
            secret = random.nextLong();
        }

        @Override
        public int seal(byte[] buf, int off, int len) throws GeneralSecurityException {
            return seal(buf, off, len, APPLICATION_DATA);
        }

        /** The same for a record of another content type (the handshake's Finished). */
        int seal(byte[] buf, int off, int len, int type) throws GeneralSecurityException {
            long sequence = nextSequence.getAndIncrement() & SEQUENCE_MASK;
            int start = off - PREFIX;
            int padded = paddedLength(len);
            writeHeader(buf, start, type, sequence, BLOCK + padded);
            pseudoHeader(pseudoHeader, buf, start, len);
            mac.mac(pseudoHeader, buf, off, len, buf, off + len);
            int padding = padded - len - HmacSha1.LENGTH; // 1..16 bytes, each holding padding - 1
            for (int i = off + len + HmacSha1.LENGTH; i < off + padded; i++) {
                buf[i] = (byte) (padding - 1);
            }
            int r = off - BLOCK;
            System.arraycopy(buf, start + 3, buf, r, 8); // epoch and sequence: never the same twice
            long mask = secret;
            for (int i = 0; i < 8; i++) {
                buf[r + 8 + i] = (byte) (mask >>> (56 - 8 * i));
            }
            int written = cipher.update(buf, r, BLOCK + padded, buf, r - SHIFT);
            if (written != BLOCK + padded) {
                throw new GeneralSecurityException("AES-CBC held back " + (BLOCK + padded - written) + " bytes");
            }
            return start; // the ciphertext landed right after the header: start + 13 = r - SHIFT
        }
    }

    final class CbcOpener extends Opener {
        private final Cipher cipher = Cipher.getInstance("AES/CBC/NoPadding");
        private final HmacSha1 mac = new HmacSha1(keys.readMacKey);
        private final byte[] header = new byte[HEADER_LENGTH];
        private final byte[] expected = new byte[HmacSha1.LENGTH];
        /** Where a record is decrypted: see the class comment. */
        private final byte[] decrypted = new byte[MAX_BODY];

        private CbcOpener() throws GeneralSecurityException {
            cipher.init(Cipher.DECRYPT_MODE, readKey, randomIv());
        }

        @Override
        boolean unprotect(byte[] buf, int off, int length) {
            int body = length - HEADER_LENGTH;
            if (length < MIN_RECORD || body > MAX_BODY || (body & (BLOCK - 1)) != 0) {
                return false;
            }
            System.arraycopy(buf, off, header, 0, HEADER_LENGTH);
            try {
                if (cipher.update(buf, off + HEADER_LENGTH, body, decrypted, 0) != body) {
                    throw new IllegalStateException("AES-CBC held back part of a record");
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-CBC is unavailable", e);
            }
            int plain = BLOCK; // after the block the IV decrypted to
            int total = body - BLOCK; // plaintext, MAC and padding
            int last = plain + total - 1;

            // Padding: n + 1 bytes of value n, n + 1 + 20 <= total; checked over the same span whatever n says.
            int padding = decrypted[last] & 0xff;
            int bad = (total - HmacSha1.LENGTH - 1 - padding) >> 31;
            int span = Math.min(MAX_PADDING, total);
            for (int i = 0; i < span; i++) {
                int inPadding = (i - padding - 1) >> 31; // -1 while i <= padding
                bad |= inPadding & ((decrypted[last - i] & 0xff) ^ padding);
            }
            int goodPadding = ~((bad | -bad) >> 31); // -1 when the padding is right, else 0
            int longest = total - HmacSha1.LENGTH - 1;
            int dataLength = longest - (padding & goodPadding);

            // The MAC, computed for the data the padding leaves (all of it when the padding is wrong).
            header[11] = (byte) (dataLength >>> 8);
            header[12] = (byte) dataLength;
            pseudoHeaderFrom(header);
            mac.mac(header, decrypted, plain, dataLength, expected, 0);
            mac.burn(HmacSha1.innerCompressions(longest) - HmacSha1.innerCompressions(dataLength));

            // Compared over every place the received MAC could start, so where it is shows in no timing.
            int difference = 0;
            for (int i = Math.max(0, longest - MAX_PADDING + 1); i < total; i++) {
                int index = i - dataLength;
                int inMac = ~(index >> 31) & ((index - HmacSha1.LENGTH) >> 31);
                difference |= inMac & ((decrypted[plain + i] ^ expected[index & inMac]) & 0xff);
            }
            int goodMac = ~((difference | -difference) >> 31);

            // Back where its ciphertext was, as many bytes whatever the padding said.
            plaintextOffset = off + HEADER_LENGTH + BLOCK;
            System.arraycopy(decrypted, plain, buf, plaintextOffset, longest);
            plaintextLength = dataLength;
            return (goodPadding & goodMac) != 0;
        }

        /** SHA-1 compressions this opener has run: the same for every record of one length, whatever it holds. */
        long compressions() {
            return mac.compressions();
        }

        /** The record header saved before decryption, rearranged into the MAC's pseudo-header (sequence, type, version, length). */
        private void pseudoHeaderFrom(byte[] saved) {
            byte type = saved[0];
            byte major = saved[1];
            byte minor = saved[2];
            System.arraycopy(saved, 3, saved, 0, 8);
            saved[8] = type;
            saved[9] = major;
            saved[10] = minor;
        }
    }
}
