package dev.corridor.sidecar.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * libcrypto's AES-GCM and the JDK's: each against the GCM specification's test vectors, each opening what the other
 * seals, and both refusing what was changed on the way.
 */
class AesGcmTest {
    private static final HexFormat HEX = HexFormat.of();
    // The GCM specification (McGrew and Viega, "The Galois/Counter Mode of Operation"), test cases 4 and 16: a 60-byte
    // plaintext with 20 bytes of additional data under a 128-bit and a 256-bit key.
    private static final byte[] NONCE = HEX.parseHex("cafebabefacedbaddecaf888");
    private static final byte[] ADDITIONAL_DATA = HEX.parseHex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    private static final byte[] PLAINTEXT = HEX.parseHex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d"
            + "8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
    private static final byte[] KEY_128 = HEX.parseHex("feffe9928665731c6d6a8f9467308308");
    private static final byte[] SEALED_128 = HEX.parseHex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e23"
            + "29aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091" + "5bc94fbc3221a5db94fae95ae7121a47");
    private static final byte[] KEY_256 =
            HEX.parseHex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    private static final byte[] SEALED_256 = HEX.parseHex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd"
            + "2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662" + "76fc6ece0f4e1768cddf8853bb2d551b");

    private final Arena arena = Arena.ofShared();

    enum Implementation {
        OPENSSL,
        JCE;

        AesGcm create(byte[] key, byte[] nonce, byte[] additionalData, Arena arena) throws GeneralSecurityException {
            return switch (this) {
                case OPENSSL -> new OpenSslAesGcm(key, nonce, additionalData, arena);
                case JCE -> new JceAesGcm(key, nonce, additionalData);
            };
        }
    }

    @AfterEach
    void close() {
        arena.close();
    }

    @Test
    void theBuildMachineHasLibcrypto() throws Exception {
        // scripts/test.sh installs openssl; without libcrypto the OPENSSL cases below would prove nothing.
        assertThat(OpenSslAesGcm.AVAILABLE).as("libcrypto.so.3 is loadable").isTrue();
        assertThat(AesGcm.of(KEY_128, NONCE.clone(), ADDITIONAL_DATA.clone(), arena))
                .isInstanceOf(OpenSslAesGcm.class);
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void sealsTheSpecificationsVectors(Implementation implementation) throws Exception {
        assertThat(sealed(implementation, KEY_128, PLAINTEXT)).isEqualTo(SEALED_128);
        assertThat(sealed(implementation, KEY_256, PLAINTEXT)).isEqualTo(SEALED_256);
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void opensTheSpecificationsVectors(Implementation implementation) throws Exception {
        for (byte[][] vector : new byte[][][] {{KEY_128, SEALED_128}, {KEY_256, SEALED_256}}) {
            byte[] buf = vector[1].clone();
            AesGcm aes = implementation.create(vector[0], NONCE.clone(), ADDITIONAL_DATA.clone(), arena);
            assertThat(aes.open(buf, 0, buf.length)).isTrue();
            assertThat(Arrays.copyOf(buf, PLAINTEXT.length)).isEqualTo(PLAINTEXT);
        }
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void eachOpensWhatTheOtherSealsAtEverySizeAndOffset(Implementation sealing) throws Exception {
        Implementation opening = sealing == Implementation.OPENSSL ? Implementation.JCE : Implementation.OPENSSL;
        byte[] nonce = new byte[AesGcm.NONCE_LENGTH];
        byte[] additionalData = new byte[13];
        AesGcm sealer = sealing.create(KEY_256, nonce, additionalData, arena);
        AesGcm opener = opening.create(KEY_256, nonce, additionalData, arena);
        Random random = new Random(15);
        for (int size : new int[] {0, 1, 15, 16, 17, 255, 1400, 1500}) {
            int off = 1 + random.nextInt(40);
            byte[] plaintext = new byte[size];
            random.nextBytes(plaintext);
            random.nextBytes(nonce);
            random.nextBytes(additionalData);
            byte[] buf = new byte[off + size + AesGcm.TAG_LENGTH + 3];
            System.arraycopy(plaintext, 0, buf, off, size);

            sealer.seal(buf, off, size);
            assertThat(opener.open(buf, off, size + AesGcm.TAG_LENGTH))
                    .as("%d bytes", size)
                    .isTrue();
            assertThat(Arrays.copyOfRange(buf, off, off + size)).isEqualTo(plaintext);
            assertThat(buf[off - 1]).as("the byte before").isZero();
            assertThat(Arrays.copyOfRange(buf, off + size + AesGcm.TAG_LENGTH, buf.length))
                    .as("the bytes after the tag")
                    .containsOnly(0);
        }
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void refusesARecordChangedOnTheWay(Implementation implementation) throws Exception {
        int length = SEALED_256.length;
        byte[] ciphertextChanged = SEALED_256.clone();
        ciphertextChanged[7] ^= 1;
        byte[] tagChanged = SEALED_256.clone();
        tagChanged[length - 1] ^= (byte) 0x80;
        byte[] otherAdditionalData = ADDITIONAL_DATA.clone();
        otherAdditionalData[0] ^= 1;

        assertThat(implementation
                        .create(KEY_256, NONCE.clone(), ADDITIONAL_DATA.clone(), arena)
                        .open(ciphertextChanged, 0, length))
                .as("a flipped ciphertext bit")
                .isFalse();
        assertThat(implementation
                        .create(KEY_256, NONCE.clone(), ADDITIONAL_DATA.clone(), arena)
                        .open(tagChanged, 0, length))
                .as("a flipped tag bit")
                .isFalse();
        assertThat(implementation
                        .create(KEY_256, NONCE.clone(), otherAdditionalData, arena)
                        .open(SEALED_256.clone(), 0, length))
                .as("other additional data")
                .isFalse();
        assertThat(implementation
                        .create(KEY_128, NONCE.clone(), ADDITIONAL_DATA.clone(), arena)
                        .open(SEALED_256.clone(), 0, length))
                .as("another key")
                .isFalse();
    }

    @Test
    void aRecordShorterThanATagIsRefused() throws Exception {
        AesGcm aes = new OpenSslAesGcm(KEY_256, NONCE.clone(), ADDITIONAL_DATA.clone(), arena);
        assertThat(aes.open(new byte[15], 0, 15)).isFalse();
    }

    @Test
    void aKeyOfAnotherLengthOrANonceOfAnotherLengthIsRefusedByName() {
        assertThatThrownBy(() -> new OpenSslAesGcm(new byte[24], NONCE.clone(), ADDITIONAL_DATA, arena))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessage("no AES-GCM with a 24-byte key");
        assertThatThrownBy(() -> new OpenSslAesGcm(KEY_128, new byte[16], ADDITIONAL_DATA, arena))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessage("an AES-GCM nonce has 12 bytes, not 16");
    }

    @Test
    void onceItsArenaClosesLibcryptosStateIsFreedAndAnyUseFailsWithoutACrash() throws Exception {
        AesGcm aes;
        try (Arena own = Arena.ofShared()) {
            aes = new OpenSslAesGcm(KEY_256, NONCE.clone(), ADDITIONAL_DATA.clone(), own);
        }

        assertThatThrownBy(() -> aes.seal(new byte[64], 0, 48))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    private byte[] sealed(Implementation implementation, byte[] key, byte[] plaintext) throws Exception {
        byte[] buf = Arrays.copyOf(plaintext, plaintext.length + AesGcm.TAG_LENGTH);
        implementation
                .create(key, NONCE.clone(), ADDITIONAL_DATA.clone(), arena)
                .seal(buf, 0, plaintext.length);
        return buf;
    }
}
