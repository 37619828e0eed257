package dev.corridor.sidecar.transport.dtls;

import static dev.corridor.sidecar.os.Downcalls.unchecked;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.security.GeneralSecurityException;
import java.util.Optional;

/**
 * AES-GCM from OpenSSL 3's libcrypto, over FFM: one {@code EVP_CIPHER_CTX} keyed once, and per record the nonce, the
 * additional data, the data in place and the tag, five calls straight on the caller's {@code byte[]}. Per record it
 * allocates at most the memory segments over that array, which escape analysis mostly removes, and it needs no JIT
 * intrinsic (docs/performance.md has the figures against the JDK's).
 */
final class OpenSslAesGcm implements AesGcm {
    /** Whether the system has libcrypto.so.3; where it does not, {@link AesGcm#of} takes the JDK's. */
    static final boolean AVAILABLE = LibCrypto.LOOKUP.isPresent();

    private static final int ENCRYPT = 1;
    private static final int DECRYPT = 0;
    /** {@code EVP_CTRL_GCM_GET_TAG} (openssl/evp.h). */
    private static final int GET_TAG = 0x10;
    /** {@code EVP_CTRL_GCM_SET_TAG} (openssl/evp.h). */
    private static final int SET_TAG = 0x11;

    /** The context, freed by {@code EVP_CIPHER_CTX_free} when the arena closes; a call after that fails, never crashes. */
    private final MemorySegment context;
    /** The output length libcrypto reports, which in-place GCM does not need. */
    private final MemorySegment outputLength;

    private final MemorySegment nonce;
    private final MemorySegment additionalData;

    OpenSslAesGcm(byte[] key, byte[] nonce, byte[] additionalData, Arena arena) throws GeneralSecurityException {
        if (nonce.length != NONCE_LENGTH) {
            throw new GeneralSecurityException("an AES-GCM nonce has " + NONCE_LENGTH + " bytes, not " + nonce.length);
        }
        this.nonce = MemorySegment.ofArray(nonce);
        this.additionalData = MemorySegment.ofArray(additionalData);
        MemorySegment cipher = switch (key.length) {
            case 16 -> LibCrypto.aes128Gcm();
            case 32 -> LibCrypto.aes256Gcm();
            default -> throw new GeneralSecurityException("no AES-GCM with a " + key.length + "-byte key");
        };
        MemorySegment created = LibCrypto.newContext();
        if (created.equals(MemorySegment.NULL)) {
            throw new GeneralSecurityException("EVP_CIPHER_CTX_new failed");
        }
        this.context = created.reinterpret(arena, LibCrypto::freeContext);
        this.outputLength = arena.allocate(JAVA_INT);
        if (LibCrypto.init(context, cipher, MemorySegment.ofArray(key), MemorySegment.NULL, ENCRYPT) != 1) {
            throw new GeneralSecurityException("EVP_CipherInit_ex refused the AES-GCM key");
        }
    }

    @Override
    public void seal(byte[] buf, int off, int len) throws GeneralSecurityException {
        MemorySegment data = MemorySegment.ofArray(buf).asSlice(off, len + TAG_LENGTH);
        MemorySegment tag = data.asSlice(len);
        if ((start(ENCRYPT)
                        & LibCrypto.update(context, data, outputLength, data, len)
                        & LibCrypto.finish(context, tag, outputLength)
                        & LibCrypto.control(context, GET_TAG, TAG_LENGTH, tag))
                != 1) {
            throw new GeneralSecurityException("libcrypto failed to seal an AES-GCM record");
        }
    }

    @Override
    public boolean open(byte[] buf, int off, int len) {
        int ciphertextLength = len - TAG_LENGTH;
        if (ciphertextLength < 0) {
            return false;
        }
        MemorySegment data = MemorySegment.ofArray(buf).asSlice(off, len);
        MemorySegment tag = data.asSlice(ciphertextLength);
        if ((start(DECRYPT)
                        & LibCrypto.update(context, data, outputLength, data, ciphertextLength)
                        & LibCrypto.control(context, SET_TAG, TAG_LENGTH, tag))
                != 1) {
            throw new IllegalStateException("libcrypto failed to open an AES-GCM record");
        }
        // Only the final call checks the tag; 0 there means a forgery or a corrupted record.
        return LibCrypto.finish(context, tag, outputLength) == 1;
    }

    /** Sets the direction and the nonce, keeping the key, and feeds the additional data; 1 on success. */
    private int start(int direction) {
        return LibCrypto.init(context, MemorySegment.NULL, MemorySegment.NULL, nonce, direction)
                & LibCrypto.update(
                        context, MemorySegment.NULL, outputLength, additionalData, (int) additionalData.byteSize());
    }

    /**
     * The libcrypto calls. The per-record ones are critical: they take slices of the caller's {@code byte[]} without a
     * copy or a thread-state transition, and they never block (AES-GCM over a record is well under a microsecond).
     */
    private static final class LibCrypto {
        static final Optional<SymbolLookup> LOOKUP = lookup();

        private static final Linker LINKER = Linker.nativeLinker();
        private static final Linker.Option CRITICAL = Linker.Option.critical(true);
        private static final MethodHandle AES_128_GCM = downcall("EVP_aes_128_gcm", FunctionDescriptor.of(ADDRESS));
        private static final MethodHandle AES_256_GCM = downcall("EVP_aes_256_gcm", FunctionDescriptor.of(ADDRESS));
        private static final MethodHandle CTX_NEW = downcall("EVP_CIPHER_CTX_new", FunctionDescriptor.of(ADDRESS));
        private static final MethodHandle CTX_FREE =
                downcall("EVP_CIPHER_CTX_free", FunctionDescriptor.ofVoid(ADDRESS));
        private static final MethodHandle INIT = downcall(
                "EVP_CipherInit_ex",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT),
                CRITICAL);
        private static final MethodHandle UPDATE = downcall(
                "EVP_CipherUpdate",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT),
                CRITICAL);
        private static final MethodHandle FINISH =
                downcall("EVP_CipherFinal_ex", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), CRITICAL);
        private static final MethodHandle CONTROL = downcall(
                "EVP_CIPHER_CTX_ctrl", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), CRITICAL);

        private static Optional<SymbolLookup> lookup() {
            try {
                return Optional.of(SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global()));
            } catch (IllegalArgumentException e) {
                return Optional.empty(); // no OpenSSL 3 on this system
            }
        }

        private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
            return LOOKUP.flatMap(library -> library.find(name))
                    .map(symbol -> LINKER.downcallHandle(symbol, descriptor, options))
                    .orElse(null);
        }

        static MemorySegment aes128Gcm() {
            return pointer(AES_128_GCM);
        }

        static MemorySegment aes256Gcm() {
            return pointer(AES_256_GCM);
        }

        static MemorySegment newContext() {
            return pointer(CTX_NEW);
        }

        /** Calls a function that takes nothing and returns a pointer. */
        private static MemorySegment pointer(MethodHandle function) {
            try {
                return (MemorySegment) function.invokeExact();
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        static void freeContext(MemorySegment context) {
            try {
                CTX_FREE.invokeExact(context);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        static int init(MemorySegment context, MemorySegment cipher, MemorySegment key, MemorySegment iv, int enc) {
            try {
                return (int) INIT.invokeExact(context, cipher, MemorySegment.NULL, key, iv, enc);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        static int update(
                MemorySegment context, MemorySegment out, MemorySegment outLength, MemorySegment in, int len) {
            try {
                return (int) UPDATE.invokeExact(context, out, outLength, in, len);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        static int finish(MemorySegment context, MemorySegment out, MemorySegment outLength) {
            try {
                return (int) FINISH.invokeExact(context, out, outLength);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        static int control(MemorySegment context, int type, int arg, MemorySegment pointer) {
            try {
                return (int) CONTROL.invokeExact(context, type, arg, pointer);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }
    }
}
