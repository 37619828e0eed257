package dev.corridor.sidecar.transport.dtls;

import java.lang.foreign.Arena;
import java.security.GeneralSecurityException;

/**
 * AES-GCM under one key, in place in a caller's buffer, for one thread at a time: OpenSSL's libcrypto where the
 * system has it ({@link OpenSslAesGcm}: at most the memory segments over the caller's array per record, and no
 * dependence on the JIT's AES intrinsics),
 * else the JDK's ({@link JceAesGcm}). The two are interchangeable on the wire.
 *
 * <p>An instance reads the nonce and the additional data from the caller's two arrays, given once at creation and
 * filled before each call, so that no call wraps them anew.
 */
sealed interface AesGcm permits OpenSslAesGcm, JceAesGcm {
    int NONCE_LENGTH = 12;
    int TAG_LENGTH = 16;

    /**
     * AES-GCM under {@code key} (16 or 32 bytes), with the {@link #NONCE_LENGTH}-byte {@code nonce} and the
     * {@code additionalData} the caller fills before each call; libcrypto's state lives until {@code arena} closes.
     */
    static AesGcm of(byte[] key, byte[] nonce, byte[] additionalData, Arena arena) throws GeneralSecurityException {
        return OpenSslAesGcm.AVAILABLE
                ? new OpenSslAesGcm(key, nonce, additionalData, arena)
                : new JceAesGcm(key, nonce, additionalData);
    }

    /** Encrypts {@code buf[off..off+len)} in place and writes the tag right after it. */
    void seal(byte[] buf, int off, int len) throws GeneralSecurityException;

    /**
     * Decrypts {@code buf[off..off+len)}, ciphertext then tag, in place; false when the tag does not match, and the
     * bytes are then not to be used.
     */
    boolean open(byte[] buf, int off, int len);
}
