package dev.corridor.sidecar.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The DTLS 0.9 CBC record layer against an independent implementation of RFC 4346 record protection written here
 * with the JDK's own HMAC and a cipher initialised per record with the record's IV (what GnuTLS and OpenSSL do), with
 * any padding length; {@link Dtls09FixtureTest} checks it against GnuTLS's own records.
 */
class CbcRecordLayerTest {
    private static final byte[] KEY_BLOCK = new byte[2 * 20 + 2 * 32];

    static {
        for (int i = 0; i < KEY_BLOCK.length; i++) {
            KEY_BLOCK[i] = (byte) (i * 11 + 3);
        }
    }

    private final DtlsSuite suite = DtlsSuite.DTLS09_AES_256_CBC_SHA;
    private final DtlsKeys client = DtlsKeys.fromKeyBlock(suite, 1, KEY_BLOCK, 1);
    private final DtlsRecordLayer clientSide = DtlsRecordLayer.of(client);
    private final DtlsRecordLayer gatewaySide = DtlsRecordLayer.of(client.mirrored(1));
    private final Reference gateway = new Reference(client.mirrored(1));

    @ParameterizedTest
    @EnumSource(
            value = DtlsSuite.class,
            names = {"DTLS09_AES_256_CBC_SHA", "DTLS09_AES_128_CBC_SHA"})
    void recordsSealedInPlaceOpenWithTheReferenceAndTheOtherWayRound(DtlsSuite cbc) throws Exception {
        byte[] keyBlock = Arrays.copyOf(KEY_BLOCK, DtlsKeys.keyBlockLength(cbc));
        DtlsKeys keys = DtlsKeys.fromKeyBlock(cbc, 1, keyBlock, 1);
        DtlsRecordLayer.Sealer sealer = DtlsRecordLayer.of(keys).sealer();
        DtlsRecordLayer.Opener opener = DtlsRecordLayer.of(keys).opener();
        Reference peer = new Reference(keys.mirrored(1));
        for (int size : new int[] {0, 1, 11, 12, 27, 100, 1000, 1418}) {
            byte[] packet = bytes(size, size);
            byte[] record = seal(sealer, packet);
            assertThat(record.length).isEqualTo(DtlsRecordLayer.of(keys).sealedLength(size));
            assertThat(Arrays.copyOfRange(record, 0, 5))
                    .as("application data, version 01 00, epoch 1")
                    .containsExactly(23, 1, 0, 0, 1);
            assertThat((record.length - 13) % 16).isZero();
            assertThat(peer.open(record)).as("%d bytes", size).isEqualTo(packet);

            byte[] fromPeer = peer.seal(23, packet, 1 + size % 200);
            assertThat(Dtls09FixtureTest.open(fromPeer, opener, DtlsRecordLayer.Outcome.DATA))
                    .isEqualTo(packet);
        }
    }

    @Test
    void theExplicitIvNeverRepeatsAndTheSequenceAdvances() throws Exception {
        DtlsRecordLayer.Sealer sealer = clientSide.sealer();
        Set<String> ivs = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            byte[] record = seal(sealer, new byte[40]);
            assertThat(DtlsRecordLayer.sequence(record, 0)).isEqualTo(1 + i);
            ivs.add(Arrays.toString(Arrays.copyOfRange(record, 13, 29)));
        }
        assertThat(ivs).hasSize(1000);
    }

    @Test
    void theLargestPlaintextFillsTheDatagramAndNoMore() {
        for (int limit = 1200; limit < 1500; limit++) {
            int max = clientSide.maxPlaintext(limit);
            assertThat(clientSide.sealedLength(max)).isLessThanOrEqualTo(limit);
            assertThat(clientSide.sealedLength(max + 16)).isGreaterThan(limit);
        }
        assertThat(clientSide.maxPlaintext(1472) - 1)
                .as("the tunnel's packets above ocserv's DTLS 0.9 MTU (1406)")
                .isEqualTo(1418);
    }

    @Test
    void aTamperedMacIsDropped() throws Exception {
        DtlsRecordLayer.Opener opener = clientSide.opener();
        byte[] packet = bytes(100, 1);
        byte[] record = gateway.seal(23, packet, 1);
        byte[] forged = gateway.sealWith(23, packet, 1, mac -> mac[19] ^= 1);
        assertThat(open(opener, forged)).isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
        assertThat(open(opener, record)).as("the genuine record still opens").isEqualTo(DtlsRecordLayer.Outcome.DATA);
    }

    @Test
    void aFlippedCiphertextBitIsDropped() throws Exception {
        DtlsRecordLayer.Opener opener = clientSide.opener();
        for (int at = 13; at < 13 + 16 + 128; at += 7) {
            byte[] record = gateway.seal(23, bytes(100, at), 4);
            record[at] ^= 0x40;
            assertThat(open(opener, record)).as("bit flipped at %d", at).isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
        }
    }

    @Test
    void badPaddingIsDroppedWhateverItsLength() throws Exception {
        DtlsRecordLayer.Opener opener = clientSide.opener();
        byte[] packet = bytes(60, 2);
        // A padding byte that differs from the others, at the end, in the middle and at the start of the padding.
        for (int corrupt : new int[] {0, 5, 15}) {
            byte[] record = gateway.sealPadding(23, packet, 16, padding -> padding[corrupt] ^= 1);
            assertThat(open(opener, record))
                    .as("padding byte %d wrong", corrupt)
                    .isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
        }
        // A padding length longer than the record.
        byte[] tooLong = gateway.sealPadding(23, packet, 16, padding -> Arrays.fill(padding, (byte) 200));
        assertThat(open(opener, tooLong)).isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
        // And the longest legal padding opens.
        assertThat(open(opener, gateway.seal(23, packet, 256))).isEqualTo(DtlsRecordLayer.Outcome.DATA);
    }

    @Test
    void shortAndUnalignedRecordsAreDropped() throws Exception {
        DtlsRecordLayer.Opener opener = clientSide.opener();
        byte[] genuine = gateway.seal(23, new byte[0], 1); // 13 + 16 + 32: the shortest there is
        assertThat(genuine.length).isEqualTo(CbcRecordLayer.MIN_RECORD);
        for (int length : new int[] {13, 29, 44, 45, 60}) {
            byte[] record = Arrays.copyOf(genuine, Math.min(length, genuine.length));
            record[11] = (byte) ((length - 13) >>> 8);
            record[12] = (byte) (length - 13);
            byte[] truncated = Arrays.copyOf(record, length);
            assertThat(open(opener, truncated)).as("%d bytes", length).isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
        }
        assertThat(open(opener, genuine)).isEqualTo(DtlsRecordLayer.Outcome.DATA);
    }

    /** The channel puts a datagram at the start of its buffer: opening writes nothing outside the record's own bytes. */
    @Test
    void aRecordOpensWithinItsOwnBytes() throws Exception {
        DtlsRecordLayer.Opener opener = clientSide.opener();
        byte[] packet = bytes(1000, 5);
        byte[] record = gateway.seal(23, packet, 7);
        assertThat(Dtls09FixtureTest.open(record, opener, DtlsRecordLayer.Outcome.DATA))
                .as("a record filling its array from the first byte")
                .isEqualTo(packet);

        byte[] buf = new byte[64 + record.length + 64];
        Arrays.fill(buf, (byte) 0x5a);
        byte[] second = gateway.seal(23, packet, 7);
        System.arraycopy(second, 0, buf, 64, second.length);
        assertThat(opener.open(buf, 64, second.length)).isEqualTo(DtlsRecordLayer.Outcome.DATA);
        assertThat(Arrays.copyOfRange(buf, opener.plaintextOffset(), opener.plaintextOffset() + packet.length))
                .isEqualTo(packet);
        assertThat(opener.plaintextOffset()).isBetween(64, 64 + second.length - packet.length);
        byte[] untouched = new byte[64];
        Arrays.fill(untouched, (byte) 0x5a);
        assertThat(Arrays.copyOfRange(buf, 0, 64)).as("before the record").isEqualTo(untouched);
        assertThat(Arrays.copyOfRange(buf, 64 + second.length, buf.length))
                .as("after it")
                .isEqualTo(untouched);
    }

    /** RFC 4346 6.2.3: a TLS 1.1 record body holds at most 2^14 + 2048 bytes; a longer one is dropped, even if genuine. */
    @Test
    void aRecordLongerThanTls11AllowsIsDropped() throws Exception {
        DtlsRecordLayer.Opener opener = clientSide.opener();
        byte[] longest = gateway.seal(23, bytes(18_384, 3), 12); // body: 16 + 18,384 + 20 + 12 = 18,432
        assertThat(longest.length - DtlsRecordLayer.HEADER_LENGTH).isEqualTo(CbcRecordLayer.MAX_BODY);
        assertThat(open(opener, longest)).isEqualTo(DtlsRecordLayer.Outcome.DATA);
        byte[] tooLong = gateway.seal(23, bytes(18_400, 3), 12);
        assertThat(open(opener, tooLong)).isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
    }

    @Test
    void aReplayAndAnotherVersionAreDropped() throws Exception {
        DtlsRecordLayer.Opener opener = clientSide.opener();
        byte[] record = gateway.seal(23, bytes(30, 3), 1);
        byte[] other = record.clone();
        other[1] = (byte) 0xFE;
        other[2] = (byte) 0xFF;
        assertThat(open(opener, other)).as("DTLS 1.0's version").isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
        assertThat(open(opener, record.clone())).isEqualTo(DtlsRecordLayer.Outcome.DATA);
        assertThat(open(opener, record.clone())).as("a replay").isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
    }

    /**
     * Lucky Thirteen: a record costs the same SHA-1 compressions whatever its padding says, right or wrong; the MAC
     * over a short plaintext (long padding) is topped up to what the longest plaintext would cost.
     */
    @Test
    void everyRecordOfOneLengthCostsTheSameCompressions() throws Exception {
        CbcRecordLayer.CbcOpener opener = (CbcRecordLayer.CbcOpener) clientSide.opener();
        Set<Long> costs = new HashSet<>();
        int total = 400; // plaintext + MAC + padding, the same for every record below
        for (int padding : new int[] {1, 16, 64, 128, 200, 256}) {
            byte[] packet = bytes(total - 20 - padding, padding);
            long before = opener.compressions();
            assertThat(open(opener, gateway.seal(23, packet, padding))).isEqualTo(DtlsRecordLayer.Outcome.DATA);
            costs.add(opener.compressions() - before);
            before = opener.compressions();
            assertThat(open(opener, gateway.sealPadding(23, packet, padding, p -> p[0] ^= 1)))
                    .isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
            costs.add(opener.compressions() - before);
            before = opener.compressions();
            assertThat(open(opener, gateway.sealWith(23, packet, padding, mac -> mac[0] ^= 1)))
                    .isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
            costs.add(opener.compressions() - before);
        }
        assertThat(costs).as("compressions per record").hasSize(1);
    }

    /** The hot path allocates nothing per record: measured over many records once the JIT has settled. */
    @Test
    void sealingAndOpeningAllocateNothingPerRecord() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        DtlsRecordLayer.Sealer sealer = clientSide.sealer();
        DtlsRecordLayer.Opener opener = gatewaySide.opener();
        byte[] buf = new byte[DtlsRecordLayer.MAX_PREFIX + 1400 + DtlsRecordLayer.MAX_SUFFIX];
        byte[] packet = bytes(1400, 9);
        for (int round = 0; round < 3; round++) {
            int records = 20_000;
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < records; i++) {
                int off = DtlsRecordLayer.MAX_PREFIX;
                System.arraycopy(packet, 0, buf, off, packet.length);
                int start = sealer.seal(buf, off, packet.length);
                int length = clientSide.sealedLength(packet.length);
                if (opener.open(buf, start, length) != DtlsRecordLayer.Outcome.DATA
                        || opener.plaintextLength() != packet.length
                        || buf[opener.plaintextOffset() + 1399] != packet[1399]) {
                    throw new AssertionError("record " + i + " did not round-trip");
                }
            }
            long perRecord = (threads.getCurrentThreadAllocatedBytes() - before) / records;
            if (round == 2) {
                assertThat(perRecord)
                        .as("bytes allocated per sealed and opened record")
                        .isLessThan(8);
            }
        }
    }

    private static DtlsRecordLayer.Outcome open(DtlsRecordLayer.Opener opener, byte[] record) {
        return opener.open(record.clone(), 0, record.length);
    }

    private static byte[] seal(DtlsRecordLayer.Sealer sealer, byte[] packet) throws Exception {
        byte[] buf = new byte[DtlsRecordLayer.MAX_PREFIX + packet.length + DtlsRecordLayer.MAX_SUFFIX];
        System.arraycopy(packet, 0, buf, DtlsRecordLayer.MAX_PREFIX, packet.length);
        int start = sealer.seal(buf, DtlsRecordLayer.MAX_PREFIX, packet.length);
        int length = 13 + ((buf[start + 11] & 0xff) << 8 | (buf[start + 12] & 0xff));
        return Arrays.copyOfRange(buf, start, start + length);
    }

    private static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed + i * 31);
        }
        return bytes;
    }

    /**
     * RFC 4346 record protection done the plain way: the JDK's HmacSHA1, a cipher initialised with each record's own
     * IV, padding of any legal length. The keys are one side's: it seals with the write keys, opens with the read keys.
     */
    private static final class Reference {
        private final DtlsKeys keys;
        private long sequence = 1;

        Reference(DtlsKeys keys) {
            this.keys = keys;
        }

        byte[] seal(int type, byte[] plaintext, int padding) throws Exception {
            return seal(type, plaintext, padding, mac -> {}, p -> {});
        }

        byte[] sealWith(int type, byte[] plaintext, int padding, java.util.function.Consumer<byte[]> macChange)
                throws Exception {
            return seal(type, plaintext, padding, macChange, p -> {});
        }

        byte[] sealPadding(int type, byte[] plaintext, int padding, java.util.function.Consumer<byte[]> paddingChange)
                throws Exception {
            return seal(type, plaintext, padding, mac -> {}, paddingChange);
        }

        /** @param atLeast the padding's length in bytes, its length byte included (1..256), raised to align the blocks */
        private byte[] seal(
                int type,
                byte[] plaintext,
                int atLeast,
                java.util.function.Consumer<byte[]> macChange,
                java.util.function.Consumer<byte[]> paddingChange)
                throws Exception {
            int padding = atLeast;
            while ((plaintext.length + 20 + padding) % 16 != 0) {
                padding++;
            }
            long seq = sequence++;
            byte[] header = {
                (byte) type,
                1,
                0,
                0,
                1,
                (byte) (seq >>> 40),
                (byte) (seq >>> 32),
                (byte) (seq >>> 24),
                (byte) (seq >>> 16),
                (byte) (seq >>> 8),
                (byte) seq
            };
            Mac hmac = Mac.getInstance("HmacSHA1");
            hmac.init(new SecretKeySpec(keys.writeMacKey, "HmacSHA1"));
            hmac.update(header, 3, 8);
            hmac.update(header, 0, 3);
            hmac.update(new byte[] {(byte) (plaintext.length >>> 8), (byte) plaintext.length});
            byte[] mac = hmac.doFinal(plaintext);
            macChange.accept(mac);
            byte[] pad = new byte[padding];
            Arrays.fill(pad, (byte) (padding - 1));
            paddingChange.accept(pad);
            byte[] content = LegacyPrf.concat(LegacyPrf.concat(plaintext, mac), pad);
            if (content.length % 16 != 0) {
                throw new IllegalArgumentException(
                        "padding " + padding + " does not align " + plaintext.length + " bytes");
            }
            byte[] iv = bytes(16, (int) seq * 7);
            Cipher cipher = Cipher.getInstance("AES/CBC/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.writeKey, "AES"), new IvParameterSpec(iv));
            byte[] ciphertext = cipher.doFinal(content);
            int length = 16 + ciphertext.length;
            byte[] record =
                    LegacyPrf.concat(LegacyPrf.concat(header, new byte[] {(byte) (length >>> 8), (byte) length}), iv);
            return LegacyPrf.concat(record, ciphertext);
        }

        byte[] open(byte[] record) throws Exception {
            Cipher cipher = Cipher.getInstance("AES/CBC/NoPadding");
            cipher.init(
                    Cipher.DECRYPT_MODE, new SecretKeySpec(keys.readKey, "AES"), new IvParameterSpec(record, 13, 16));
            byte[] content = cipher.doFinal(record, 29, record.length - 29);
            int padding = (content[content.length - 1] & 0xff) + 1;
            for (int i = content.length - padding; i < content.length; i++) {
                assertThat(content[i] & 0xff).as("padding").isEqualTo(padding - 1);
            }
            byte[] plaintext = Arrays.copyOf(content, content.length - padding - 20);
            Mac hmac = Mac.getInstance("HmacSHA1");
            hmac.init(new SecretKeySpec(keys.readMacKey, "HmacSHA1"));
            hmac.update(record, 3, 8);
            hmac.update(record, 0, 3);
            hmac.update(new byte[] {(byte) (plaintext.length >>> 8), (byte) plaintext.length});
            assertThat(hmac.doFinal(plaintext))
                    .as("MAC")
                    .isEqualTo(Arrays.copyOfRange(content, plaintext.length, plaintext.length + 20));
            return plaintext;
        }
    }
}
