package dev.corridor.sidecar.transport.dtls;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DtlsRecordLayerTest {
    private static final byte[] KEY_BLOCK = new byte[2 * 32 + 2 * 4];

    static {
        for (int i = 0; i < KEY_BLOCK.length; i++) {
            KEY_BLOCK[i] = (byte) (i * 7 + 1);
        }
    }

    private final DtlsKeys client = DtlsKeys.fromKeyBlock(DtlsSuite.PSK_AES_256_GCM, 1, KEY_BLOCK, 1);
    private final DtlsRecordLayer clientSide = DtlsRecordLayer.of(client);
    private final DtlsRecordLayer gatewaySide = DtlsRecordLayer.of(client.mirrored(1));

    @Test
    void sealsInPlaceAndTheOtherSideOpensIt() throws Exception {
        byte[] packet = "an IP packet, more or less".getBytes(UTF_8);
        byte[] buf = record(packet);
        int start = clientSide.sealer().seal(buf, GcmRecordLayer.PREFIX, packet.length);

        assertThat(start).isZero();
        assertThat(buf[0]).isEqualTo((byte) 23);
        assertThat(Arrays.copyOfRange(buf, 1, 5)).containsExactly(0xFE, 0xFD, 0, 1);
        assertThat((buf[11] & 0xff) << 8 | (buf[12] & 0xff)).isEqualTo(8 + packet.length + 16);
        assertThat(Arrays.copyOfRange(buf, GcmRecordLayer.PREFIX, GcmRecordLayer.PREFIX + packet.length))
                .isNotEqualTo(packet);

        DtlsRecordLayer.Opener opener = gatewaySide.opener();
        assertThat(opener.open(buf, 0, packet.length + GcmRecordLayer.OVERHEAD))
                .isEqualTo(DtlsRecordLayer.Outcome.DATA);
        assertThat(Arrays.copyOfRange(buf, GcmRecordLayer.PREFIX, GcmRecordLayer.PREFIX + opener.plaintextLength()))
                .isEqualTo(packet);
    }

    @Test
    void sequenceNumbersStartAfterTheHandshakesAndNeverRepeat() throws Exception {
        DtlsRecordLayer.Sealer first = clientSide.sealer();
        DtlsRecordLayer.Sealer second = clientSide.sealer();
        byte[] a = record(new byte[10]);
        byte[] b = record(new byte[10]);
        first.seal(a, GcmRecordLayer.PREFIX, 10);
        second.seal(b, GcmRecordLayer.PREFIX, 10);
        assertThat(Arrays.copyOfRange(a, 5, 11)).containsExactly(0, 0, 0, 0, 0, 1);
        assertThat(Arrays.copyOfRange(b, 5, 11)).containsExactly(0, 0, 0, 0, 0, 2);
        // The explicit nonce repeats the epoch and sequence.
        assertThat(Arrays.copyOfRange(b, 13, 21)).containsExactly(0, 1, 0, 0, 0, 0, 0, 2);
    }

    @Test
    void aForgedOrReplayedRecordIsDropped() throws Exception {
        DtlsRecordLayer.Sealer sealer = clientSide.sealer();
        DtlsRecordLayer.Opener opener = gatewaySide.opener();
        byte[] genuine = record(new byte[40]);
        sealer.seal(genuine, GcmRecordLayer.PREFIX, 40);
        byte[] forged = genuine.clone();
        forged[30] ^= 1;
        byte[] copy = genuine.clone();
        int length = 40 + GcmRecordLayer.OVERHEAD;

        assertThat(opener.open(forged, 0, length)).isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
        assertThat(opener.open(genuine, 0, length)).isEqualTo(DtlsRecordLayer.Outcome.DATA);
        assertThat(opener.open(copy, 0, length)).as("a replay").isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
    }

    @Test
    void recordsOutOfOrderAreAcceptedOnceWithinTheWindow() throws Exception {
        DtlsRecordLayer.Sealer sealer = clientSide.sealer();
        DtlsRecordLayer.Opener opener = gatewaySide.opener();
        byte[][] records = new byte[100][];
        for (int i = 0; i < records.length; i++) {
            records[i] = record(new byte[8]);
            sealer.seal(records[i], GcmRecordLayer.PREFIX, 8);
        }
        int length = 8 + GcmRecordLayer.OVERHEAD;
        assertThat(opener.open(records[99].clone(), 0, length)).isEqualTo(DtlsRecordLayer.Outcome.DATA);
        assertThat(opener.open(records[50].clone(), 0, length)).isEqualTo(DtlsRecordLayer.Outcome.DATA);
        assertThat(opener.open(records[50].clone(), 0, length)).isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
        assertThat(opener.open(records[10].clone(), 0, length))
                .as("older than the 64-record window")
                .isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
    }

    /** RFC 6347 4.1.2.6 with a 64-record window: the newest and the 63 before it are in, each once. */
    @Test
    void theReplayWindowHoldsTheNewestAndTheSixtyThreeBeforeIt() throws Exception {
        byte[][] records = sealed(101);
        DtlsRecordLayer.Opener opener = gatewaySide.opener();
        assertThat(open(opener, records, 100)).isEqualTo(DtlsRecordLayer.Outcome.DATA);

        assertThat(open(opener, records, 100 - 63)).as("63 behind the newest").isEqualTo(DtlsRecordLayer.Outcome.DATA);
        assertThat(open(opener, records, 100 - 63)).as("the same again").isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
        assertThat(open(opener, records, 100 - 64))
                .as("64 behind the newest")
                .isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
        assertThat(open(opener, records, 100)).as("the newest again").isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
    }

    /** A jump of exactly the window's width forgets everything before it: what was seen then says nothing now. */
    @Test
    void aJumpOfTheWindowsWidthStartsAFreshWindow() throws Exception {
        byte[][] records = sealed(200);
        DtlsRecordLayer.Opener opener = gatewaySide.opener();
        assertThat(open(opener, records, 99)).isEqualTo(DtlsRecordLayer.Outcome.DATA);
        assertThat(open(opener, records, 100)).isEqualTo(DtlsRecordLayer.Outcome.DATA);
        assertThat(open(opener, records, 164)).isEqualTo(DtlsRecordLayer.Outcome.DATA);

        assertThat(open(opener, records, 163))
                .as("never seen, 1 behind the newest")
                .isEqualTo(DtlsRecordLayer.Outcome.DATA);
        assertThat(open(opener, records, 101)).as("never seen, 63 behind").isEqualTo(DtlsRecordLayer.Outcome.DATA);
        assertThat(open(opener, records, 100)).as("seen, and now 64 behind").isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
    }

    @Test
    void recognisesHandshakesFromTheGatewayAndRejectsOtherEpochs() throws Exception {
        DtlsRecordLayer.Opener opener = gatewaySide.opener();
        byte[] hello = new byte[30];
        hello[0] = 22;
        hello[1] = (byte) 0xFE;
        hello[2] = (byte) 0xFD;
        hello[12] = 17;
        assertThat(opener.open(hello, 0, 30)).isEqualTo(DtlsRecordLayer.Outcome.HANDSHAKE);

        byte[] sealed = record(new byte[20]);
        clientSide.sealer().seal(sealed, GcmRecordLayer.PREFIX, 20);
        sealed[4] = 2; // epoch 2
        assertThat(opener.open(sealed, 0, 20 + GcmRecordLayer.OVERHEAD)).isEqualTo(DtlsRecordLayer.Outcome.DROPPED);
    }

    @Test
    void recordLengthNeedsTheWholeRecord() {
        byte[] header = new byte[13];
        header[12] = 40;
        assertThat(DtlsRecordLayer.recordLength(header, 0, 13)).isEqualTo(-1);
        assertThat(DtlsRecordLayer.recordLength(new byte[60], 0, 60)).isEqualTo(13);
        assertThat(DtlsRecordLayer.recordLength(new byte[5], 0, 5)).isEqualTo(-1);
    }

    /** Records with sequence numbers 1..count (the sealer starts at 1): {@code records[i]} carries sequence {@code i}. */
    private byte[][] sealed(int count) throws Exception {
        DtlsRecordLayer.Sealer sealer = clientSide.sealer();
        byte[][] records = new byte[count][];
        for (int i = 1; i < count; i++) {
            records[i] = record(new byte[] {(byte) i});
            sealer.seal(records[i], GcmRecordLayer.PREFIX, 1);
        }
        return records;
    }

    private static DtlsRecordLayer.Outcome open(DtlsRecordLayer.Opener opener, byte[][] records, int sequence) {
        return opener.open(records[sequence].clone(), 0, 1 + GcmRecordLayer.OVERHEAD);
    }

    private static byte[] record(byte[] plaintext) {
        byte[] buf = new byte[GcmRecordLayer.PREFIX + plaintext.length + GcmRecordLayer.TAG_LENGTH];
        System.arraycopy(plaintext, 0, buf, GcmRecordLayer.PREFIX, plaintext.length);
        return buf;
    }
}
