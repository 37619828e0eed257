package dev.corridor.sidecar.transport.dtls;

import java.util.Arrays;

/**
 * The record keys of an established DTLS connection, from the client's side: what it protects with, what it opens
 * with, and the first sequence number its own records may use in the new epoch. AES-GCM suites have a 4-byte salt
 * (the implicit part of the nonce) and no MAC keys; CBC suites have HMAC-SHA1 keys and no implicit IV (DTLS 0.9, like
 * TLS 1.1, carries the IV in each record).
 */
final class DtlsKeys {
    static final int SALT_LENGTH = 4;
    static final int MAC_KEY_LENGTH = 20;

    final DtlsSuite suite;
    final int epoch;
    final byte[] writeKey;
    final byte[] writeSalt;
    final byte[] readKey;
    final byte[] readSalt;
    final byte[] writeMacKey;
    final byte[] readMacKey;
    final long firstWriteSequence;

    DtlsKeys(
            DtlsSuite suite,
            int epoch,
            byte[] writeKey,
            byte[] writeSalt,
            byte[] readKey,
            byte[] readSalt,
            long firstWriteSequence) {
        this(suite, epoch, writeKey, writeSalt, readKey, readSalt, new byte[0], new byte[0], firstWriteSequence);
    }

    private DtlsKeys(
            DtlsSuite suite,
            int epoch,
            byte[] writeKey,
            byte[] writeSalt,
            byte[] readKey,
            byte[] readSalt,
            byte[] writeMacKey,
            byte[] readMacKey,
            long firstWriteSequence) {
        this.suite = suite;
        this.epoch = epoch;
        this.writeKey = writeKey.clone();
        this.writeSalt = writeSalt.clone();
        this.readKey = readKey.clone();
        this.readSalt = readSalt.clone();
        this.writeMacKey = writeMacKey.clone();
        this.readMacKey = readMacKey.clone();
        this.firstWriteSequence = firstWriteSequence;
    }

    /** How many key-block bytes a suite uses (a longer key block is fine: the rest is IVs that explicit IVs make unused). */
    static int keyBlockLength(DtlsSuite suite) {
        return switch (suite.protection()) {
            case GCM -> 2 * suite.keyLength() + 2 * SALT_LENGTH;
            case CBC_SHA1 -> 2 * MAC_KEY_LENGTH + 2 * suite.keyLength();
        };
    }

    /**
     * Splits an RFC 5246 key block into the client's keys. AEAD: client_write_key, server_write_key, client_write_IV,
     * server_write_IV. CBC: client_write_MAC_key, server_write_MAC_key, client_write_key, server_write_key.
     */
    static DtlsKeys fromKeyBlock(DtlsSuite suite, int epoch, byte[] keyBlock, long firstWriteSequence) {
        int keyLength = suite.keyLength();
        if (keyBlock.length < keyBlockLength(suite)) {
            throw new IllegalArgumentException(
                    "a key block for " + suite + " has at least " + keyBlockLength(suite) + " bytes");
        }
        return switch (suite.protection()) {
            case GCM -> {
                int salts = 2 * keyLength;
                yield new DtlsKeys(
                        suite,
                        epoch,
                        Arrays.copyOfRange(keyBlock, 0, keyLength),
                        Arrays.copyOfRange(keyBlock, salts, salts + SALT_LENGTH),
                        Arrays.copyOfRange(keyBlock, keyLength, salts),
                        Arrays.copyOfRange(keyBlock, salts + SALT_LENGTH, salts + 2 * SALT_LENGTH),
                        firstWriteSequence);
            }
            case CBC_SHA1 -> {
                int keys = 2 * MAC_KEY_LENGTH;
                yield new DtlsKeys(
                        suite,
                        epoch,
                        Arrays.copyOfRange(keyBlock, keys, keys + keyLength),
                        new byte[0],
                        Arrays.copyOfRange(keyBlock, keys + keyLength, keys + 2 * keyLength),
                        new byte[0],
                        Arrays.copyOfRange(keyBlock, 0, MAC_KEY_LENGTH),
                        Arrays.copyOfRange(keyBlock, MAC_KEY_LENGTH, keys),
                        firstWriteSequence);
            }
        };
    }

    /** The same connection seen from the gateway: for tests that play the other end. */
    @SuppressWarnings("ArgumentSelectionDefectChecker") // swapped on purpose: the gateway reads what the client writes
    DtlsKeys mirrored(long firstWriteSequence) {
        return new DtlsKeys(
                suite, epoch, readKey, readSalt, writeKey, writeSalt, readMacKey, writeMacKey, firstWriteSequence);
    }

    @Override
    public String toString() {
        return "DtlsKeys[" + suite + ", epoch " + epoch + "]"; // never the keys
    }
}
