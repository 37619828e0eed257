package dev.corridor.sidecar.os;

import static dev.corridor.sidecar.os.TcpSegments.ACK;
import static dev.corridor.sidecar.os.TcpSegments.FIN;
import static dev.corridor.sidecar.os.TcpSegments.PSH;
import static dev.corridor.sidecar.os.TcpSegments.ipv4;
import static dev.corridor.sidecar.os.TcpSegments.ipv6;
import static dev.corridor.sidecar.os.TcpSegments.randomBytes;
import static dev.corridor.sidecar.os.TcpSegments.tcpChecksumValid;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Coalescing on the way in, checked by cutting every merged frame back with {@link OffloadedPackets}, which does what
 * the kernel does with a TSO segment: what comes back must be the packets that went in, byte for byte. The rules for
 * what may merge are the kernel's tcp_gro_receive (net/ipv4/tcp_offload.c) and wireguard-go's tun/offload_linux.go.
 */
class CoalescedPacketsTest {
    private static final int MSS = 1000;
    private static final byte[] STREAM = randomBytes(80 * MSS);

    private final CoalescedPackets coalesced = new CoalescedPackets();
    private final List<byte[]> frames = new ArrayList<>();

    @Test
    void mergesConsecutiveIpv4SegmentsIntoOneThatCutsBackIntoThem() throws OsException {
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            // The sequence numbers wrap around 2^32 within the group.
            sent.add(ipv4(payload(i), 0x100 + i, 4_294_965_000L + (long) i * MSS, i == 4 ? ACK | PSH : ACK, 64240));
        }

        write(true, sent);

        assertThat(frames).hasSize(1);
        ByteBuffer header = ByteBuffer.wrap(frames.get(0), 0, 10).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(header.get(0)).as("flags").isEqualTo((byte) OffloadedPackets.NEEDS_CSUM);
        assertThat(header.get(1)).as("gso_type").isEqualTo((byte) OffloadedPackets.GSO_TCPV4);
        assertThat(header.getShort(2)).as("hdr_len").isEqualTo((short) 40);
        assertThat(header.getShort(4)).as("gso_size").isEqualTo((short) MSS);
        assertThat(header.getShort(6)).as("csum_start").isEqualTo((short) 20);
        assertThat(header.getShort(8)).as("csum_offset").isEqualTo((short) 16);
        assertThat(frames.get(0)).hasSize(10 + 40 + 5 * MSS);
        assertThat(cutBack(frames.get(0))).containsExactlyElementsOf(sent);
    }

    @Test
    void mergesIpv6SegmentsAndALastShorterOne() throws OsException {
        List<byte[]> sent = List.of(
                ipv6(randomBytes(1220), 7, ACK),
                ipv6(randomBytes(1220), 7 + 1220, ACK),
                ipv6(randomBytes(300), 7 + 2440, ACK));

        write(true, sent);

        assertThat(frames).hasSize(1);
        assertThat(frames.get(0)[1]).isEqualTo((byte) OffloadedPackets.GSO_TCPV6);
        assertThat(cutBack(frames.get(0))).containsExactlyElementsOf(sent);
    }

    @Test
    void keepsFlowsApartAndEachInOrder() throws OsException {
        byte[] a1 = segment(0, 0, ACK);
        byte[] b1 = otherFlow(segment(10, 0, ACK));
        byte[] a2 = segment(1, 1, ACK);
        byte[] b2 = otherFlow(segment(11, 1, ACK));
        byte[] a3 = segment(2, 2, ACK);

        write(true, List.of(a1, b1, a2, b2, a3));

        assertThat(frames).hasSize(2);
        assertThat(cutBack(frames.get(0))).containsExactly(a1, a2, a3);
        assertThat(cutBack(frames.get(1))).containsExactly(b1, b2);
    }

    @Test
    void aShorterSegmentOrPshEndsTheGroup() throws OsException {
        byte[] full = segment(0, 0, ACK);
        byte[] pushed = segment(1, 1, ACK | PSH);
        byte[] next = segment(2, 2, ACK);
        byte[] shorter = ipv4(randomBytes(400), 3, 3L * MSS, ACK, 64240);
        byte[] after = ipv4(randomBytes(MSS), 4, 3L * MSS + 400, ACK, 64240);

        write(true, List.of(full, pushed, next, shorter, after));

        assertThat(frames).hasSize(3);
        assertThat(cutBack(frames.get(0))).containsExactly(full, pushed);
        assertThat(cutBack(frames.get(1))).containsExactly(next, shorter);
        assertThat(cutBack(frames.get(2))).containsExactly(after);
    }

    @Test
    void writesAloneWhatMayNotMergeAndNothingOvertakesIt() throws OsException {
        byte[] first = segment(0, 0, ACK);
        byte[] gap = segment(1, 2, ACK); // a sequence number further on than the group's end
        byte[] otherWindow = ipv4(randomBytes(MSS), 2, 3L * MSS, ACK, 1000);
        byte[] pureAck = ipv4(new byte[0], 3, 4L * MSS, ACK, 1000);
        byte[] afterAck = ipv4(randomBytes(MSS), 4, 4L * MSS, ACK, 1000);
        byte[] fin = ipv4(randomBytes(MSS), 5, 5L * MSS, ACK | FIN, 1000);
        byte[] badChecksum = ipv4(randomBytes(MSS), 6, 6L * MSS, ACK, 1000);
        badChecksum[100] ^= 1;
        byte[] udp = udp();

        List<byte[]> sent = List.of(first, gap, otherWindow, pureAck, afterAck, fin, badChecksum, udp);
        write(true, sent);

        assertThat(frames).hasSize(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            assertThat(Arrays.copyOf(frames.get(i), 10))
                    .as("frame " + i + "'s header")
                    .isEqualTo(new byte[10]);
            assertThat(Arrays.copyOfRange(frames.get(i), 10, frames.get(i).length))
                    .isEqualTo(sent.get(i));
        }
    }

    @Test
    void stopsAtTheLargestIpPacket() throws OsException {
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            sent.add(segment(i, i, ACK));
        }

        write(true, sent);

        // 40 bytes of headers and 65 segments of 1000 bytes are 65,040 bytes; a 66th would pass 65,535.
        assertThat(frames).hasSize(2);
        assertThat(cutBack(frames.get(0))).containsExactlyElementsOf(sent.subList(0, 65));
        assertThat(cutBack(frames.get(1))).containsExactlyElementsOf(sent.subList(65, 70));
    }

    @Test
    void withoutOffloadsEveryPacketGoesAlone() throws OsException {
        write(false, List.of(segment(0, 0, ACK), segment(1, 1, ACK)));

        assertThat(frames).hasSize(2);
    }

    @Test
    void marksEveryPacketOfAFrameTheKernelRefused() throws OsException {
        PacketBatch batch =
                TcpSegments.batchOf(segment(0, 0, ACK), segment(1, 1, ACK), udp(), otherFlow(segment(2, 0, ACK)));
        OsException refusal = new OsException("refused");
        List<Integer> lengths = new ArrayList<>();

        coalesced.write(batch, true, (frame, off, len) -> {
            lengths.add(len);
            return lengths.size() == 1 ? refusal : null;
        });

        assertThat(lengths).containsExactly(10 + 40 + 2 * MSS, 10 + udp().length, 10 + 40 + MSS);
        assertThat(batch.refused(0)).isTrue();
        assertThat(batch.refused(1)).isTrue();
        assertThat(batch.refused(2)).isFalse();
        assertThat(batch.refused(3)).isFalse();
        assertThat(batch.refusal()).containsSame(refusal);
    }

    private void write(boolean coalesce, List<byte[]> packets) throws OsException {
        coalesced.write(TcpSegments.batchOf(packets.toArray(byte[][]::new)), coalesce, (frame, off, len) -> {
            frames.add(Arrays.copyOfRange(frame, off, off + len));
            return null;
        });
    }

    /** The frame as the kernel would cut it into packets. */
    private static List<byte[]> cutBack(byte[] frame) {
        OffloadedPackets packets = new OffloadedPackets();
        System.arraycopy(frame, 0, packets.buffer(), 0, frame.length);
        packets.accept(frame.length);
        List<byte[]> out = new ArrayList<>();
        byte[] room = new byte[65535];
        while (packets.hasNext()) {
            int length = packets.next(room, 0, room.length);
            byte[] packet = Arrays.copyOf(room, length);
            assertThat(tcpChecksumValid(packet, (packet[0] & 0xf0) == 0x60)).isTrue();
            out.add(packet);
        }
        return out;
    }

    /** Segment {@code index} of the flow: full-sized, IP identification {@code id}, one segment on from the one before. */
    private static byte[] segment(int id, int index, int flags) {
        return ipv4(payload(index), id, (long) index * MSS, flags, 64240);
    }

    /** Segment {@code index}'s data: a slice of one random stream. */
    private static byte[] payload(int index) {
        return Arrays.copyOfRange(STREAM, index * MSS, (index + 1) * MSS);
    }

    /** The same segment from another port of the same server. */
    private static byte[] otherFlow(byte[] packet) {
        return TcpSegments.fromPort(packet, 5202);
    }

    private static byte[] udp() {
        byte[] p = new byte[20 + 8 + 30];
        ByteBuffer b = ByteBuffer.wrap(p);
        b.put(0, (byte) 0x45).putShort(2, (short) p.length).put(8, (byte) 64).put(9, (byte) 17);
        b.putInt(12, 0x0a14_020a).putInt(16, 0x0a63_0032).putShort(24, (short) 38);
        return p;
    }
}
