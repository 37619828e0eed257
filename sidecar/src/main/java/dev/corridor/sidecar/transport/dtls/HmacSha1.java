package dev.corridor.sidecar.transport.dtls;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA1 (RFC 2104) over a record's pseudo-header and data, written into the caller's buffer. The JDK's {@code Mac}
 * returns a fresh array per MAC; this one allocates nothing per record, and tells how many SHA-1 compressions a MAC
 * costs, so that a record with long padding can be made to cost as much as one without (Lucky Thirteen).
 */
final class HmacSha1 {
    static final int LENGTH = 20;
    private static final int BLOCK = 64;
    /** The outer hash: the 64-byte key block, then 20 bytes, 0x80 and the length in a second block. */
    private static final int OUTER_COMPRESSIONS = 2;
    /** Enough zeros for the most compressions a record's padding can save (256 bytes of padding: 5 blocks). */
    private static final byte[] ZEROS = new byte[6 * BLOCK];

    private final MessageDigest digest;
    private final MessageDigest equalizer;
    private final byte[] innerPad = new byte[BLOCK];
    private final byte[] outerPad = new byte[BLOCK];
    private final byte[] inner = new byte[LENGTH];
    /** SHA-1 compressions run so far, MACs and burns together: what a record costs, for the tests to compare. */
    private long compressions;

    HmacSha1(byte[] key) {
        if (key.length > BLOCK) {
            throw new IllegalArgumentException("an HMAC-SHA1 record key is at most " + BLOCK + " bytes");
        }
        try {
            digest = MessageDigest.getInstance("SHA-1");
            equalizer = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is unavailable", e);
        }
        for (int i = 0; i < BLOCK; i++) {
            byte k = i < key.length ? key[i] : 0;
            innerPad[i] = (byte) (k ^ 0x36);
            outerPad[i] = (byte) (k ^ 0x5c);
        }
    }

    /** Writes HMAC(header[0..13) || data[off..off+len)) to {@code out[outOff..outOff+20)}. */
    void mac(byte[] header, byte[] data, int off, int len, byte[] out, int outOff) {
        try {
            digest.update(innerPad, 0, BLOCK);
            digest.update(header, 0, DtlsRecordLayer.HEADER_LENGTH);
            digest.update(data, off, len);
            digest.digest(inner, 0, LENGTH);
            digest.update(outerPad, 0, BLOCK);
            digest.update(inner, 0, LENGTH);
            digest.digest(out, outOff, LENGTH);
            compressions += innerCompressions(len) + OUTER_COMPRESSIONS;
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-1 failed", e);
        }
    }

    /** SHA-1 compressions of the inner hash of a record with {@code dataLength} bytes of data. */
    static int innerCompressions(int dataLength) {
        int hashed = BLOCK + DtlsRecordLayer.HEADER_LENGTH + dataLength;
        return (hashed + 8) / BLOCK + 1; // the message, 0x80, and the 8-byte length, in 64-byte blocks
    }

    /** Runs {@code compressions} SHA-1 compressions whose result nobody reads. */
    void burn(int compressions) {
        equalizer.update(ZEROS, 0, compressions * BLOCK);
        equalizer.reset();
        this.compressions += compressions;
    }

    long compressions() {
        return compressions;
    }
}
