package dev.corridor.sidecar.transport.dtls;

import java.util.Arrays;

/**
 * The record keys of an established DTLS 1.2 AES-GCM connection, from the client's side: what it encrypts with,
 * what it decrypts with, and the first sequence number its own records may use in the new epoch.
 */
final class DtlsKeys {
    static final int SALT_LENGTH = 4;

    final DtlsSuite suite;
    final int epoch;
    final byte[] writeKey;
    final byte[] writeSalt;
    final byte[] readKey;
    final byte[] readSalt;
    final long firstWriteSequence;

    DtlsKeys(DtlsSuite suite, int epoch, byte[] writeKey, byte[] writeSalt, byte[] readKey, byte[] readSalt, long firstWriteSequence) {
        this.suite = suite;
        this.epoch = epoch;
        this.writeKey = writeKey.clone();
        this.writeSalt = writeSalt.clone();
        this.readKey = readKey.clone();
        this.readSalt = readSalt.clone();
        this.firstWriteSequence = firstWriteSequence;
    }

    /**
     * Splits an RFC 5246 key block (AEAD: no MAC keys) into the client's keys: client_write_key,
     * server_write_key, client_write_IV, server_write_IV.
     */
    static DtlsKeys fromKeyBlock(DtlsSuite suite, int epoch, byte[] keyBlock, long firstWriteSequence) {
        int keyLength = suite.keyLength();
        if (keyBlock.length != 2 * keyLength + 2 * SALT_LENGTH) {
            throw new IllegalArgumentException("a key block for " + suite + " has " + (2 * keyLength + 2 * SALT_LENGTH) + " bytes");
        }
        int salts = 2 * keyLength;
        return new DtlsKeys(suite, epoch,
                Arrays.copyOfRange(keyBlock, 0, keyLength),
                Arrays.copyOfRange(keyBlock, salts, salts + SALT_LENGTH),
                Arrays.copyOfRange(keyBlock, keyLength, salts),
                Arrays.copyOfRange(keyBlock, salts + SALT_LENGTH, salts + 2 * SALT_LENGTH),
                firstWriteSequence);
    }

    /** The same connection seen from the gateway: for tests that play the other end. */
    DtlsKeys mirrored(long firstWriteSequence) {
        return new DtlsKeys(suite, epoch, readKey, readSalt, writeKey, writeSalt, firstWriteSequence);
    }

    @Override
    public String toString() {
        return "DtlsKeys[" + suite + ", epoch " + epoch + "]"; // never the keys
    }
}
